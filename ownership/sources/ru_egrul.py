"""The ``ru-egrul`` format: Russia's register of legal entities (ЕГРЮЛ), FNS open-data XML.

Files ``VO_RUGFO_…xml`` (formats 4.05–4.08; root ``Файл``, one ``Документ/СвЮЛ`` a company) and
the older distribution form (root ``EGRUL``, ``СвЮЛ`` directly under it), windows-1251, plain,
gzipped or zipped (every ``.xml`` member of a delivery zip). Read with expat one company at a
time (:func:`ownership.sources.streams.xml_records`): memory holds one company and the set of
founders and officers already emitted, never the file.

What becomes what (``docs/sources-jp-ru.md`` has the table field by field):

- ``СвЮЛ`` → ``Entity(kind="company", id=<ОГРН>)``: full name (``СвНаимЮЛ@НаимЮЛПолн``), the
  short name and a Latin transliteration of each as aliases (so that ``ROMASHKA`` finds
  ``РОМАШКА``), ``reg:RU:<ОГРН>`` and ``inn:<ИНН>`` identifiers, incorporation (the first
  registration ``СвОбрЮЛ@ДатаРег`` when the company predates OGRNs, else ``ДатаОГРН``),
  dissolution (``СвПрекрЮЛ@ДатаПрекрЮЛ``), address, charter capital, status;
- each founder (``СвУчредит/*``) → an owner entity and an ``Ownership`` from ``ГРНДатаПерв``
  (the date the register recorded it) to the company's termination; the share is the founder's
  ``ДоляУстКап/РазмерДоли`` as an exact percent (``Процент``; ``ДробДесят`` × 100; ``ДробПрост``
  100 × numerator / denominator, so 1/3 is 33.333…%), or, when no size is stated, the nominal
  value over the charter capital (``НоминСтоим`` / ``СвУстКап@СумКап``) when both are known;
  a founder with neither is an ownership of *unknown share* (``share`` empty): the register
  says the founder holds a stake and not how much (founders of joint-stock companies, whose
  shareholders the register does not keep, and old records). It is not a control link: the
  register states a participation, not control;
- founders: Russian company (``УчрЮЛРос``: by ОГРН/ИНН, merging with its own record), foreign
  company (``УчрЮЛИн``: Latin name, country from ``ОКСМ``, foreign register number), person
  (``УчрФЛ``: by ИНН, nationality from ``СвГраждФЛ``), the state or a municipality
  (``УчрРФСубМО``), a mutual fund (``УчрПИФ``, its manager kept) or an investment partnership
  (``УчрДогИнвТов``);
- directors (``СведДолжнФЛ``) → ``Officer`` with the position (``СвДолжн@НаимДолжн``); a
  managing company (``СвУпрОрг``) → ``Officer`` with role ``managing organisation``;
- the company's share in itself (``СвДоляООО``) → ``own_shares_percentage``, not an edge.

Founder and officer records have ids of their own (``inn:…``, ``ogrn:…``, ``foreign:…``) and the
strong identifiers of what they name, so a founder that is also a company of the file (or of
another source) resolves to the same entity. Problems are reported with the file, the line of
the company's element and the XML path of the field.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

import pycountry
from normality import ascii_text

from ownership.identifiers import valid_inn, valid_ogrn
from ownership.problems import ProblemLog
from ownership.records import Entity, Officer, Ownership, Provenance, Record
from ownership.sources.ftm import register_identifier
from ownership.sources.streams import (
    LastOfEach,
    Member,
    XmlBroken,
    head_bytes,
    members,
    opened,
    text,
    xml_records,
    xml_root,
)

ROOTS = ("Файл", "EGRUL")
FOUNDERS = {
    "УчрЮЛРос": "Russian company",
    "УчрЮЛИн": "foreign company",
    "УчрФЛ": "natural person",
    "УчрРФСубМО": "state or municipality",
    "УчрПИФ": "mutual investment fund",
    "УчрДогИнвТов": "investment partnership",
}
STATE_FOUNDERS = {"1": "Российская Федерация"}  # КодУчрРФСубМО 1; 2 subject, 3 municipality
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
# Address parts that are codes or bookkeeping, not words of the address.
_ADDRESS_SKIP = re.compile(r"^(Код|Ид|Вид|ГРН|ДатаЗаписи|ОКТМО|ОКАТО)")


def transliterated(name: str) -> str | None:
    """A Latin spelling of a Cyrillic name, for search and matching (None when not Cyrillic)."""
    if not _CYRILLIC.search(name):
        return None
    latin = ascii_text(name)
    return latin.strip() or None


def country_of(oksm: str | None) -> str | None:
    """ISO alpha-2 for an ОКСМ code (the numeric ISO 3166 code), or None."""
    if not oksm or not oksm.strip().isdigit():
        return None
    found = pycountry.countries.get(numeric=oksm.strip().zfill(3))
    return found.alpha_2 if found else None


class RuEgrul:
    """Reader for EGRUL open-data XML."""

    name = "ru-egrul"
    description = "Russia EGRUL open data (ЕГРЮЛ XML VO_RUGFO 4.05-4.08, EGRUL 2017 form; .gz/.zip)"

    def detect(self, path: Path) -> bool:
        if not path.is_file():
            return False
        for member in members(path, (".xml",), ProblemLog())[:1]:
            head = head_bytes(member)
            root = xml_root(head)
            if root == "EGRUL":
                return True
            if root == "Файл":
                decoded = head.decode("cp1251", errors="replace") + head.decode(
                    "utf-8", errors="replace"
                )
                return "ЕГРЮЛ" in decoded or "VO_RUGFO" in decoded
        return False

    def read(self, path: Path, source: str, problems: ProblemLog) -> Iterator[Record]:
        parts = members(path, (".xml",), problems)
        # An update delivery may hold several states of one company, in order: the last is
        # its record. The first pass finds it (8 bytes a company).
        last = LastOfEach()
        for member in parts:
            for company in _companies(member, problems):
                ogrn = (company.elem.get("ОГРН") or "").strip()
                last.add(int(ogrn) if ogrn.isascii() and ogrn.isdigit() else -1)
        winners = last.winners()
        del last
        emitted: set[str] = set()  # founder and officer record ids already yielded
        ordinal = 0
        for member in parts:
            for company in _companies(member, ProblemLog()):
                keep = bool(winners[ordinal]) or not company.elem.get("ОГРН", "").strip()
                ordinal += 1
                if keep:  # the last state, or a company whose missing OGRN is then reported
                    company.source, company.problems = source, problems
                    yield from company.records(emitted)


def _companies(member: Member, problems: ProblemLog) -> Iterator[_Company]:
    """Each ``СвЮЛ`` of one XML stream, in file order; a broken stream is a problem."""
    with opened(member, problems) as handle:
        if handle is None:
            return
        try:
            for record in xml_records(handle, depth=1):
                elem = record.element
                if elem.tag == "Документ":
                    company, prefix = elem.find("СвЮЛ"), record.path + "/СвЮЛ"
                elif elem.tag == "СвЮЛ":
                    company, prefix = elem, record.path
                else:
                    continue
                if company is not None:
                    yield _Company(company, member.shown, record.line, prefix, "", problems)
        except XmlBroken as exc:
            problems.add(member.shown, exc.line, None, exc.message)


@dataclass
class _Company:
    """One ``СвЮЛ`` element and what it yields."""

    elem: ET.Element
    shown: str
    line: int
    prefix: str
    source: str
    problems: ProblemLog
    ok: bool = True
    extra: dict[str, Any] = field(default_factory=dict)
    ogrn: str = ""
    capital: float | None = None  # charter capital (СвУстКап@СумКап), roubles
    dissolved: dt.date | None = None

    def error(self, path: str | None, message: str) -> None:
        self.ok = False
        self.problems.add(
            self.shown, self.line, f"{self.prefix}/{path}" if path else self.prefix, message
        )

    def date(self, elem: ET.Element | None, attribute: str, path: str) -> dt.date | None:
        value = text(elem, attribute)
        if value is None:
            return None
        if _DATE.match(value):
            try:
                return dt.date.fromisoformat(value)
            except ValueError:
                pass
        self.error(f"{path}@{attribute}", f"{value!r} is not a date (YYYY-MM-DD)")
        return None

    def provenance(self, record_id: str) -> Provenance:
        return Provenance(self.source, record_id, self.shown, self.line)

    # -- the company ---------------------------------------------------------------------------

    def records(self, emitted: set[str]) -> Iterator[Record]:
        company = self._company()
        if company is None:
            return
        founders = list(self._founders())
        officers = list(self._officers())
        if not self.ok:
            return
        emitted.add(company.id)
        yield company
        for entity, edge in founders + officers:
            if entity.id not in emitted:
                emitted.add(entity.id)
                yield entity
            yield edge

    def _company(self) -> Entity | None:
        e = self.elem
        ogrn = text(e, "ОГРН")
        if ogrn is None:
            self.error("@ОГРН", "required, but empty")
            return None
        if not valid_ogrn(ogrn):
            self.error("@ОГРН", f"{ogrn!r} is not an OGRN (13 digits with its check digit)")
            return None
        names = e.find("СвНаимЮЛ")
        name = text(names, "НаимЮЛПолн")
        if name is None:
            self.error("СвНаимЮЛ@НаимЮЛПолн", "required, but empty")
            return None
        short = text(names.find("СвНаимЮЛСокр") if names is not None else None, "НаимСокр")
        short = short or text(names, "НаимЮЛСокр")
        aliases = [a for a in (short,) if a and a != name]
        aliases += [t for t in (transliterated(n) for n in (name, *aliases)) if t]
        identifiers = [f"reg:RU:{ogrn}"]
        inn = text(e, "ИНН")
        if inn and valid_inn(inn):
            identifiers.append(f"inn:{inn}")
        elif inn:
            self.extra["invalid_identifiers"] = [f"ИНН:{inn}"]
        first = e.find("СвОбрЮЛ")
        registered = self.date(first, "ДатаРег", "СвОбрЮЛ")
        ogrn_date = self.date(e, "ДатаОГРН", "")
        ended = e.find("СвПрекрЮЛ")
        dissolved = self.date(ended, "ДатаПрекрЮЛ", "СвПрекрЮЛ")
        capital = e.find("СвУстКап")
        status = e.find("СвСтатус/СвСтатус")
        own = e.find("СвДоляООО")
        self.capital = _number(text(capital, "СумКап"))
        self.dissolved = dissolved
        self.ogrn = ogrn
        own_share = self._share(own, "СвДоляООО") if own is not None else None
        self.extra.update(
            {
                "ogrn": ogrn,
                "inn": inn,
                "kpp": text(e, "КПП"),
                "ogrn_date": ogrn_date,
                "legal_form": text(e, "ПолнНаимОПФ"),
                "legal_form_code": text(e, "КодОПФ"),
                "charter_capital": self.capital,
                "charter_capital_kind": text(capital, "НаимВидКап"),
                "egrul_status": text(status, "НаимСтатусЮЛ"),
                "termination": text(
                    ended.find("СпПрекрЮЛ") if ended is not None else None, "НаимСпПрекрЮЛ"
                ),
                "egrul_extract_date": self.date(e, "ДатаВып", ""),
                "main_activity": text(e.find("СвОКВЭД/СвОКВЭДОсн"), "НаимОКВЭД"),
                "main_activity_code": text(e.find("СвОКВЭД/СвОКВЭДОсн"), "КодОКВЭД"),
                "own_shares_percentage": own_share,
            }
        )
        return Entity(
            id=ogrn,
            kind="company",
            name=name,
            provenance=self.provenance(ogrn),
            jurisdiction="RU",
            registration_number=ogrn,
            incorporation_date=registered or ogrn_date,
            dissolution_date=dissolved,
            address=_address(e.find("СвАдресЮЛ")),
            aliases=tuple(dict.fromkeys(aliases)),
            identifiers=tuple(identifiers),
            extra={k: v for k, v in self.extra.items() if v not in (None, "")},
        )

    # -- shares --------------------------------------------------------------------------------

    def _share(self, holding: ET.Element | None, path: str) -> float | None:
        """The percent a ``ДоляУстКап`` (or ``СвДоляООО``) states, exactly, or from its nominal
        value over the charter capital; None when neither is known."""
        if holding is None:
            return None
        size = holding.find("РазмерДоли")
        value: Fraction | None = None
        where = f"{path}/РазмерДоли"
        if size is not None:
            percent, decimal, simple = (
                size.find("Процент"),
                size.find("ДробДесят"),
                size.find("ДробПрост"),
            )
            try:
                if percent is not None:
                    value, where = Fraction((percent.text or "").strip()), where + "/Процент"
                elif decimal is not None:
                    value, where = (
                        Fraction((decimal.text or "").strip()) * 100,
                        where + "/ДробДесят",
                    )
                elif simple is not None:
                    where += "/ДробПрост"
                    value = Fraction(int(simple.get("Числит", "")), int(simple.get("Знаменат", "")))
                    value *= 100
            except (ValueError, ZeroDivisionError):
                self.error(where, "not a number (or a fraction with a zero denominator)")
                return None
        if value is None:
            nominal = _number(text(holding, "НоминСтоим"))
            if not nominal or not self.capital:  # a nominal value of 0 states no stake
                return None
            value, where = Fraction(nominal) / Fraction(self.capital) * 100, f"{path}@НоминСтоим"
        if not 0 < value <= 100:
            self.error(where, f"{float(value):g} percent is outside (0, 100]")
            return None
        return float(value)

    # -- founders ------------------------------------------------------------------------------

    def _founders(self) -> Iterator[tuple[Entity, Ownership]]:
        block = self.elem.find("СвУчредит")
        if block is None:
            return
        counts: dict[str, int] = {}
        for founder in block:
            counts[founder.tag] = counts.get(founder.tag, 0) + 1
            path = f"СвУчредит/{founder.tag}[{counts[founder.tag]}]"
            owner = self._founder_entity(founder, path)
            if owner is None:
                continue
            holding = founder.find("ДоляУстКап")
            share = self._share(holding, f"{path}/ДоляУстКап")
            start = self.date(founder.find("ГРНДатаПерв"), "ДатаЗаписи", f"{path}/ГРНДатаПерв")
            end = (
                self.dissolved if self.dissolved and (not start or self.dissolved > start) else None
            )
            extra: dict[str, Any] = {}
            nominal = _number(text(holding, "НоминСтоим"))
            if nominal is not None:
                extra["nominal_value_rub"] = nominal
            if holding is not None and holding.find("РазмерДоли") is None and share is not None:
                extra["share_basis"] = "nominal value / charter capital"
            if share is None:
                extra["share_unknown_reason"] = "the register names the founder, not the stake"
            grn = text(founder.find("ГРНДатаПерв"), "ГРН")
            record_id = f"own:{owner.id}>{self.ogrn}:{grn or counts[founder.tag]}"
            yield (
                owner,
                Ownership(
                    owner_id=owner.id,
                    owned_id=self.ogrn,
                    provenance=self.provenance(record_id),
                    share=share,
                    start_date=start,
                    end_date=end,
                    interest_type=f"founder: {FOUNDERS[founder.tag]} ({founder.tag})",
                    extra=extra,
                ),
            )

    def _founder_entity(self, founder: ET.Element, path: str) -> Entity | None:
        tag = founder.tag
        if tag in ("УчрЮЛРос", "УчрЮЛИн"):
            named = founder.find("НаимИННЮЛ")
            name = text(named, "НаимЮЛПолн")
            latin = text(founder.find("СвНаимЮЛПолнИн"), "НаимПолн")
            ogrn, inn = text(named, "ОГРН"), text(named, "ИНН")
            foreign = founder.find("СвРегИн")
            country = "RU" if tag == "УчрЮЛРос" else country_of(text(foreign, "ОКСМ"))
            number = ogrn if tag == "УчрЮЛРос" else text(foreign, "РегНомер")
            return self._party(
                "company",
                latin or name,
                path,
                country=country,
                number=number,
                names=[n for n in (name,) if n and n != latin],
                inn=inn,
                extra={
                    "country_name": text(foreign, "НаимСтран"),
                    "foreign_registrar": text(foreign, "НаимРегОрг"),
                    "foreign_address": text(foreign, "АдрСтр"),
                },
            )
        if tag == "УчрФЛ":
            return self._person(founder.find("СвФЛ"), founder.find("СвГраждФЛ"), path)
        if tag == "УчрРФСубМО":
            kind = founder.find("ВидНаимУчр")
            code = text(kind, "КодУчрРФСубМО")
            name = (
                STATE_FOUNDERS.get(code or "") or text(kind, "НаимМО") or text(kind, "НаимРегион")
            )
            body = founder.find("СвОргОсущПр/НаимИННЮЛ")
            return self._party(
                "company",
                name,
                path,
                country="RU",
                extra={"public_founder_code": code, "acting_body": text(body, "НаимЮЛПолн")},
            )
        if tag == "УчрПИФ":
            manager = founder.find("СвУпрКомпПИФ/УпрКомпПиф")
            return self._party(
                "company",
                text(founder.find("СвНаимПИФ"), "НаимПИФ"),
                path,
                country="RU",
                extra={
                    "fund_manager": text(manager, "НаимЮЛПолн"),
                    "fund_manager_ogrn": text(manager, "ОГРН"),
                },
            )
        if tag == "УчрДогИнвТов":
            agreement = founder.find("ИнПрДогИнвТов")
            manager = founder.find("СвУпТовЮЛ/НаимИННЮЛ")
            name = text(agreement, "НаимДог")
            return self._party(
                "company",
                name,
                path,
                country="RU",
                extra={
                    "agreement_number": text(agreement, "НомерДог"),
                    "agreement_date": text(agreement, "Дата"),
                    "partnership_manager": text(manager, "НаимЮЛПолн"),
                },
            )
        self.error(path, f"founder element {tag!r} is not one of {', '.join(FOUNDERS)}")
        return None

    def _person(
        self, person: ET.Element | None, citizenship: ET.Element | None, path: str
    ) -> Entity | None:
        name = " ".join(
            part for part in (text(person, a) for a in ("Фамилия", "Имя", "Отчество")) if part
        )
        code = text(citizenship, "КодГражд")
        nationality = "RU" if code == "1" else country_of(text(citizenship, "ОКСМ"))
        return self._party(
            "person",
            name or None,
            f"{path}/СвФЛ",
            country=nationality,
            inn=text(person, "ИННФЛ"),
            extra={"citizenship": text(citizenship, "НаимСтран")},
        )

    def _party(
        self,
        kind: str,
        name: str | None,
        path: str,
        *,
        country: str | None,
        number: str | None = None,
        names: list[str] | None = None,
        inn: str | None = None,
        extra: dict[str, Any] | None = None,
    ) -> Entity | None:
        """An owner or officer record, keyed by its strongest identifier so that every mention
        of it in the file is one record (and resolves to its own record elsewhere)."""
        if not name:
            self.error(path, "the founder or officer has no name")
            return None
        identifiers: list[str] = []
        if number and country == "RU" and valid_ogrn(number):
            identifiers.append(f"reg:RU:{number}")
        elif number and country != "RU":
            key = register_identifier(country, number)
            if key:
                identifiers.append(key)
        if inn and valid_inn(inn):
            identifiers.append(f"inn:{inn}")
        if identifiers:
            record_id = identifiers[0].replace("reg:RU:", "ogrn:")
        else:  # no identifier: one record per company that names it
            digest = hashlib.sha1(f"{kind}|{country}|{name}".encode(), usedforsecurity=False)
            record_id = f"named:{self.ogrn}:{digest.hexdigest()[:12]}"
        aliases = [n for n in (names or []) if n != name]
        aliases += [t for t in (transliterated(n) for n in (name, *aliases)) if t]
        return Entity(
            id=record_id,
            kind=kind,
            name=name,
            provenance=self.provenance(record_id),
            jurisdiction=country,
            registration_number=number,
            aliases=tuple(dict.fromkeys(aliases)),
            identifiers=tuple(identifiers),
            extra={k: v for k, v in (extra or {}).items() if v not in (None, "")},
        )

    # -- officers ------------------------------------------------------------------------------

    def _officers(self) -> Iterator[tuple[Entity, Officer]]:
        for number, director in enumerate(self.elem.findall("СведДолжнФЛ"), start=1):
            path = f"СведДолжнФЛ[{number}]"
            person = self._person(director.find("СвФЛ"), director.find("СвГраждФЛ"), path)
            if person is None:
                continue
            position = director.find("СвДолжн")
            role = text(position, "НаимДолжн") or text(position, "НаимВидДолжн")
            start = self.date(director.find("ГРНДатаПерв"), "ДатаЗаписи", f"{path}/ГРНДатаПерв")
            grn = text(director.find("ГРНДатаПерв"), "ГРН") or str(number)
            record_id = f"off:{person.id}>{self.ogrn}:{grn}"
            yield (
                person,
                Officer(
                    person_id=person.id,
                    company_id=self.ogrn,
                    provenance=self.provenance(record_id),
                    role=role,
                    start_date=start,
                    end_date=self.dissolved
                    if self.dissolved and (not start or self.dissolved > start)
                    else None,
                    extra={"role_kind": text(position, "НаимВидДолжн")}
                    if position is not None
                    else {},
                ),
            )
        manager = self.elem.find("СвУпрОрг")
        if manager is not None:
            named = manager.find("НаимИННЮЛ")
            party = self._party(
                "company",
                text(named, "НаимЮЛПолн"),
                "СвУпрОрг",
                country="RU",
                number=text(named, "ОГРН"),
                inn=text(named, "ИНН"),
            )
            if party is not None:
                start = self.date(manager.find("ГРНДатаПерв"), "ДатаЗаписи", "СвУпрОрг/ГРНДатаПерв")
                yield (
                    party,
                    Officer(
                        person_id=party.id,
                        company_id=self.ogrn,
                        provenance=self.provenance(f"off:{party.id}>{self.ogrn}:managing"),
                        role="managing organisation (управляющая организация)",
                        start_date=start,
                    ),
                )


def _number(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def _address(block: ET.Element | None) -> str | None:
    """A registered address as text: the FIAS form when present, else the KLADR one; postcode
    first, then the parts from region down, then the house and flat of the KLADR form."""
    if block is None:
        return None
    for tag in ("СвАдрЮЛФИАС", "АдресРФ"):
        elem = block.find(tag)
        if elem is None:
            continue
        parts = [elem.get("Индекс", "")]
        for node in elem.iter():
            if node is elem or node.tag == "ГРНДата":
                continue
            if node.text and node.text.strip() and node.tag != "Регион":  # a region's code
                parts.append(node.text.strip())
            parts.append(_words(node, ()))
        parts.append(_words(elem, ("Индекс",)))
        return ", ".join(dict.fromkeys(p for p in parts if p)) or None
    return None


def _words(node: ET.Element, skip: tuple[str, ...]) -> str:
    """An address element's attributes that are words (type and name, house number), not codes."""
    return " ".join(
        v.strip()
        for k, v in node.attrib.items()
        if k not in skip and not _ADDRESS_SKIP.match(k) and v.strip()
    )


FORMAT = RuEgrul()
