"""Deterministic generator of realistic synthetic ownership registries (registry-CSV format).

    python -m bench.generate --companies 10000 --out bench/data/10k [--seed 42]

writes ``entities.csv``, ``ownership.csv``, ``officers.csv`` and ``sanctions.csv`` (CONTRACT.md
section 2) into the output folder.  The same seed and size always give byte-identical files.

Rows are streamed to the four files as they are made: the only state kept is a handful of compact
per-company arrays (a few bytes per company: incorporation day, depth, parent, jurisdiction,
remaining share headroom, holding-group membership), so a million companies need well under 100 MB.

The data is shaped like a sanctions investigation dataset:

* companies ``c0000001`` …, persons ``p0000001`` … (about 30 % as many as companies);
* jurisdictions weighted towards JP, RU, SG, HK, CY, AE, VG, GB, US, DE, plus a long tail;
* plausible registration numbers per jurisdiction (JP corporate number and RU OGRN with their
  real check digits, SG UEN, CY ``HE…``, DE ``HRB …`` …), unique within a jurisdiction;
* heavy-tailed ownership: holding groups whose size follows a Zipf law, multi-level (depth ≤ 8),
  about 1.5 ownership rows per company, persons (a few "tycoons" with many holdings) as owners;
* exact shares from realistic splits, ~10 % banded (``share_min``/``share_max``), ~5 % ended edges,
  start dates 2005–2024, a few ownership cycles (~0.1 % of companies), rare share-sum excess;
* formation-agent addresses shared by hundreds of companies, nominee officers of hundreds;
* ~0.5 % of entities on sanctions lists (OFAC, EU, UK, JP-MOF), a few delisted.
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
import time
from array import array
from bisect import bisect
from datetime import date
from itertools import accumulate
from math import gcd
from pathlib import Path

from ownership.sources.registry_csv import ENTITIES, OFFICERS, OWNERSHIP, SANCTIONS

# The contract's columns, stated once by the format module.
ENTITY_COLUMNS = list(ENTITIES.columns)
OWNERSHIP_COLUMNS = list(OWNERSHIP.columns)
OFFICER_COLUMNS = list(OFFICERS.columns)
SANCTION_COLUMNS = list(SANCTIONS.columns)

FILES = ("entities.csv", "ownership.csv", "officers.csv", "sanctions.csv")

# --------------------------------------------------------------------------------------------
# Calendar
# --------------------------------------------------------------------------------------------

_ORD = date.toordinal
D1950 = _ORD(date(1950, 1, 1))
D1990 = _ORD(date(1990, 1, 1))
D2005 = _ORD(date(2005, 1, 1))
D2006 = _ORD(date(2006, 1, 1))
D2014 = _ORD(date(2014, 1, 1))
D2022 = _ORD(date(2022, 1, 1))
D2022_END = _ORD(date(2022, 12, 31))
D_INC_END = _ORD(date(2024, 6, 30))
D_END = _ORD(date(2024, 12, 31))


def _iso(day: int) -> str:
    return date.fromordinal(day).isoformat()


# --------------------------------------------------------------------------------------------
# Weighted choice helpers
# --------------------------------------------------------------------------------------------


class _Weighted:
    """Sample items by weight with one random() call and a bisect."""

    __slots__ = ("items", "cum", "total", "last")

    def __init__(self, pairs):
        pairs = list(pairs)
        self.items = [p[0] for p in pairs]
        self.cum = list(accumulate(p[1] for p in pairs))
        self.total = self.cum[-1]
        self.last = len(self.items) - 1

    def pick(self, rng: random.Random):
        i = bisect(self.cum, rng.random() * self.total)
        return self.items[i if i <= self.last else self.last]


class _Zipf:
    """Indices 0..n-1 with weight 1/(rank+1)**s."""

    __slots__ = ("cum", "total", "last")

    def __init__(self, n: int, s: float):
        self.cum = list(accumulate(1.0 / (r + 1) ** s for r in range(n)))
        self.total = self.cum[-1]
        self.last = n - 1

    def pick(self, rng: random.Random) -> int:
        i = bisect(self.cum, rng.random() * self.total)
        return i if i <= self.last else self.last


# --------------------------------------------------------------------------------------------
# Jurisdictions
# --------------------------------------------------------------------------------------------

# The tables of names and weights read best as written: the formatter leaves them.
# fmt: off
# Where companies are registered (weights, percent-ish).
COMPANY_JURISDICTIONS = [
    ("JP", 18), ("RU", 14), ("SG", 9), ("HK", 8), ("GB", 7), ("US", 7), ("CY", 6), ("AE", 6),
    ("VG", 6), ("DE", 5), ("CN", 3), ("KZ", 2), ("CH", 2), ("NL", 2), ("LU", 1.5), ("KY", 1.5),
    ("TR", 1.5), ("KR", 1.5), ("SC", 1), ("MT", 1), ("LV", 1), ("EE", 1), ("BY", 1), ("IN", 1),
    ("TH", 1), ("MY", 1), ("AM", 0.5), ("GE", 0.5),
]
# Home jurisdictions of holding groups.
HEAD_JURISDICTIONS = [
    ("JP", 24), ("RU", 18), ("SG", 6), ("HK", 7), ("GB", 8), ("US", 9), ("DE", 6), ("CN", 5),
    ("CH", 3), ("CY", 4), ("AE", 3), ("NL", 2), ("KR", 2), ("KZ", 1), ("TR", 1), ("IN", 1),
]
# Nationalities of persons.
PERSON_NATIONALITIES = [
    ("JP", 22), ("RU", 20), ("CN", 7), ("HK", 5), ("SG", 5), ("GB", 6), ("US", 6), ("DE", 4),
    ("CY", 3), ("AE", 2), ("KZ", 2), ("UA", 2), ("IN", 2), ("KR", 2), ("BY", 1), ("TR", 1),
    ("CH", 1), ("AM", 1), ("GE", 1), ("IL", 1), ("MY", 1),
]
# Countries a company may have operations in (besides RU, which is handled separately).
OPERATION_COUNTRIES = [
    ("KZ", 6), ("CN", 8), ("US", 6), ("DE", 5), ("AE", 5), ("SG", 5), ("HK", 4), ("TR", 4),
    ("IN", 4), ("VN", 3), ("TH", 3), ("ID", 3), ("BR", 2), ("UZ", 2), ("KG", 2), ("AM", 2),
    ("GE", 2), ("BY", 2), ("UA", 2), ("MN", 1), ("JP", 4), ("GB", 3), ("FR", 2), ("IT", 2),
]
COUNTRY_NAMES = {
    "JP": "Japan", "RU": "Russia", "SG": "Singapore", "HK": "Hong Kong", "GB": "UK", "US": "USA",
    "CY": "Cyprus", "AE": "UAE", "VG": "BVI", "DE": "Germany", "CN": "China", "KZ": "Kazakhstan",
    "CH": "Switzerland", "NL": "Netherlands", "LU": "Luxembourg", "KY": "Cayman", "TR": "Turkey",
    "KR": "Korea", "SC": "Seychelles", "MT": "Malta", "LV": "Latvia", "EE": "Estonia",
    "BY": "Belarus", "IN": "India", "TH": "Thailand", "MY": "Malaysia", "AM": "Armenia",
    "GE": "Georgia",
}
# Share of a jurisdiction's companies registered at a formation agent's address.
AGENT_RATE = {
    "VG": 0.6, "KY": 0.6, "SC": 0.6, "CY": 0.35, "HK": 0.2, "AE": 0.2, "MT": 0.2, "EE": 0.2,
    "SG": 0.15, "LV": 0.15, "US": 0.1, "GB": 0.08, "LU": 0.1, "RU": 0.05, "NL": 0.05,
}
AGENT_RATE_DEFAULT = 0.02

# --------------------------------------------------------------------------------------------
# Names
# --------------------------------------------------------------------------------------------

JA_PARTS = [
    ("Yama", "山"), ("Kawa", "川"), ("Taka", "高"), ("Naka", "中"), ("Ta", "田"), ("Mitsu", "三"),
    ("Sumi", "住"), ("Hashi", "橋"), ("Moto", "本"), ("Shima", "島"), ("Matsu", "松"), ("Ki", "木"),
    ("Mura", "村"), ("No", "野"), ("Hara", "原"), ("Oka", "岡"), ("Saki", "崎"), ("Fuji", "富士"),
    ("Hoku", "北"), ("Nichi", "日"), ("Tou", "東"), ("Sei", "西"), ("Nan", "南"), ("Dai", "大"),
    ("Shin", "新"), ("Kou", "光"), ("Ai", "愛"), ("Mei", "明"), ("Wa", "和"), ("Ei", "栄"),
    ("Asa", "朝"), ("Hana", "花"), ("Ishi", "石"), ("Kita", "喜多"), ("Sakura", "桜"), ("Umi",
    "海"),
]
JA_SECTORS = [
    ("Trading", "商事"), ("Industries", "工業"), ("Electric", "電機"), ("Logistics", "物流"),
    ("Systems", "システムズ"), ("Capital", "キャピタル"), ("Energy", "エナジー"),
    ("Securities", "証券"), ("Chemical", "化学"), ("Construction", "建設"), ("Foods", "食品"),
    ("Shipping", "海運"), ("Technologies", "テクノロジーズ"), ("Pharmaceutical", "製薬"),
    ("Realty", "不動産"), ("Motors", "自動車"), ("Digital", "デジタル"), ("Steel", "製鋼"),
    ("Machinery", "機械"), ("Semiconductor", "半導体"), ("Marine", "マリン"), ("Resources", "資源"),
]
JA_EXCHANGE_SECTORS = [("Coin", "コイン"), ("Digital Asset Exchange", "デジタルアセット取引所"),
                       ("Crypto Exchange", "暗号資産取引所")]
JA_MINER_SECTORS = [("Mining", "マイニング"), ("Hash Power", "ハッシュパワー")]
RU_PREFIXES = [
    ("energo", "энерго"), ("prom", "пром"), ("stroy", "строй"), ("neft", "нефт"), ("gaz", "газ"),
    ("agro", "агро"), ("tekh", "тех"), ("invest", "инвест"), ("trans", "транс"), ("sib", "сиб"),
    ("ural", "урал"), ("volga", "волга"), ("mash", "маш"), ("metall", "металл"), ("les", "лес"),
    ("telekom", "телеком"), ("avto", "авто"), ("khim", "хим"), ("ros", "рос"), ("mos", "мос"),
    ("neva", "нева"), ("baikal", "байкал"), ("sever", "север"), ("yug", "юг"), ("alfa", "альфа"),
    ("vostok", "восток"), ("zapad", "запад"), ("kapital", "капитал"), ("tsifra", "цифра"),
    ("arktik", "арктик"), ("don", "дон"), ("kama", "кама"), ("amur", "амур"), ("altai", "алтай"),
]
RU_SUFFIXES = [
    ("servis", "сервис"), ("stroy", "строй"), ("trans", "транс"), ("invest", "инвест"),
    ("prom", "пром"), ("snab", "снаб"), ("torg", "торг"), ("tekh", "тех"), ("resurs", "ресурс"),
    ("grupp", "групп"), ("kholding", "холдинг"), ("kom", "ком"), ("profit", "профит"),
    ("energo", "энерго"), ("logistik", "логистик"), ("eksport", "экспорт"), ("impeks", "импэкс"),
    ("soft", "софт"), ("komplekt", "комплект"), ("montazh", "монтаж"), ("proekt", "проект"),
    ("neft", "нефть"), ("metall", "металл"), ("finans", "финанс"),
]
RU_ABBREVIATIONS = [("TK", "ТК"), ("PKF", "ПКФ"), ("NPO", "НПО"), ("SK", "СК"), ("GK", "ГК"),
                    ("TD", "ТД"), ("UK", "УК"), ("IK", "ИК")]
RU_TAILS = [("-M", "-М"), ("-2000", "-2000"), ("-Plyus", "-Плюс"), ("-Yug", "-Юг"),
            ("-Tsentr", "-Центр"), ("-Sever", "-Север"), ("-Sibir", "-Сибирь"), ("-Ural", "-Урал"),
            ("-Invest", "-Инвест"), ("-1", "-1"), ("-Alyans", "-Альянс")]
# Qualifiers of a group company's name in the group's home jurisdiction.
SUB_QUALIFIERS = {
    "ja": ["Kanto", "Kansai", "Kyushu", "Tohoku", "Hokkaido", "Chubu", "Shikoku", "Chugoku",
           "Tokyo", "Osaka", "Nagoya", "Fukuoka", "Yokohama", "Kobe", "Sendai", "Hiroshima",
           "Engineering", "Service", "Finance", "Partners", "Solutions", "Business Support"],
    "ru": ["-Trans", "-Servis", "-Invest", "-Stroy", "-Energo", "-Resurs", "-Tekh", "-Logistik",
           " Moskva", " Sankt-Peterburg", " Sibir", " Ural", " Yug", " Dobycha", " Transgaz",
           " Neftekhim", " Proekt", " Torg", " Finans", " Kapital", " Ekspert", " Komplekt"],
    "en": ["Europe", "Asia", "Americas", "Asia Pacific", "Services", "Operations", "Solutions",
           "Finance", "Treasury", "Properties", "Investments", "Ventures", "Engineering", "Retail",
           "Trading", "Energy", "Logistics", "Capital", "Technologies", "Resources", "Marine",
           "Industries"],
}
RU_REGIONS = ["Moskva", "Samara", "Kazan", "Tomsk", "Omsk", "Perm", "Ufa", "Tyumen", "Irkutsk",
              "Krasnodar", "Rostov", "Volgograd", "Saratov", "Chelyabinsk", "Khabarovsk", "Yakutsk",
              "Murmansk", "Arkhangelsk", "Kaliningrad", "Novosibirsk", "Surgut", "Norilsk"]
RU_CRYPTO_SUFFIXES = [("mayning", "майнинг"), ("khesh", "хэш"), ("bit", "бит"), ("blok", "блок")]
RU_FORMS = [(("OOO", "ООО"), 70), (("AO", "АО"), 20), (("PAO", "ПАО"), 4), (("ZAO", "ЗАО"), 6)]
ZH_SYLLABLES = [
    "Hua", "Xin", "Tai", "Long", "Feng", "Jin", "Sheng", "Hong", "Da", "Fu", "Kang", "Yuan", "Guo",
    "Heng", "Tian", "Wei", "Ming", "Rui", "Bao", "Cheng", "Dong", "Hai", "Li", "Mei", "Zhong",
    "Xing", "Shun", "Tong", "An", "Kai", "Yu", "Jia",
]
HK_SYLLABLES = [
    "Wing", "Hang", "Kwong", "Tak", "Fung", "Chung", "Sun", "Yip", "Keung", "Hing", "Lung", "Wah",
    "Kin", "Shing", "Fook", "Cheong", "Yue", "Tung", "Po", "Kee",
]
ASIA_WORDS = ["Pacific", "Asia", "Orient", "Eastern", "Golden", "Royal", "Grand", "Dragon",
              "Phoenix", "Lotus", "Jade", "Harvest", "Fortune", "Prosperity", "Glory", "Century",
              "Rising", "Bright", "Ocean", "Summit", "Unity", "Ever", "Noble", "Star"]
CN_CITIES = ["Shenzhen", "Shanghai", "Beijing", "Guangzhou", "Hangzhou", "Xiamen", "Tianjin"]
EN_PREFIXES = [
    "North", "South", "East", "West", "Silver", "Gold", "Blue", "Red", "Black", "Green", "White",
    "Iron", "Stone", "Oak", "Pine", "River", "Lake", "Sea", "Sun", "Star", "High", "King",
    "Crown", "Bright", "Clear", "Fair", "Storm", "Cedar", "Maple", "Copper",
]
EN_SUFFIXES = [
    "bridge", "stone", "wood", "field", "gate", "water", "point", "ridge", "haven", "brook",
    "ford", "line", "crest", "view", "vale", "mark", "well", "dale", "port", "way", "hill", "moor",
]
EN_WORDS = [
    "Atlas", "Meridian", "Summit", "Pinnacle", "Falcon", "Aurora", "Horizon", "Sterling",
    "Vanguard", "Beacon", "Granite", "Evergreen", "Keystone", "Orion", "Polaris", "Sapphire",
    "Regent", "Trident", "Anchor", "Compass", "Zenith", "Apex", "Nova", "Vector", "Quantum",
    "Harbour", "Crescent", "Phoenix", "Titan", "Lumen",
]
EN_SECTORS = [
    "Trading", "Holdings", "Technology", "Logistics", "Capital", "Investment", "Resources",
    "Shipping", "Industrial", "Digital", "Energy", "Development", "Ventures", "Global",
    "International", "Partners", "Management", "Consulting", "Properties", "Commodities", "Metals",
    "Petroleum", "Marine", "Electronics", "Mining", "Semiconductor", "Finance", "Supply",
]
DE_PREFIXES = [
    "Nord", "Süd", "Ost", "West", "Rhein", "Elb", "Alpen", "Berg", "Stahl", "Kraft", "Licht",
    "Stern", "Wald", "Hansa", "Donau", "Main", "Isar", "Weser", "Spree", "Mosel",
]
DE_SUFFIXES = [
    "bau", "tech", "werk", "handel", "invest", "logistik", "energie", "chemie", "metall", "data",
    "trans", "consult", "immobilien", "maschinen", "service",
]
OFF_SYLL_A = ["Ka", "Fe", "Lo", "Ma", "Ri", "Te", "Ve", "Sa", "Bre", "Da", "Ne", "Zo", "Pa", "Gle",
              "Tra", "Mi", "Co", "Ar", "El", "Ol"]
OFF_SYLL_B = ["li", "ri", "mo", "va", "ne", "lo", "ra", "to", "si", "de", "ni", "ta", "mi", "ro",
              "ca", "sto", "ve"]
OFF_END = ["", "a", "o", "ia", "on", "ex", "us", "is", "el", "an"]
AR_WORDS = ["Noor", "Safa", "Baraka", "Rawda", "Najma", "Sahra", "Khaleej", "Majd", "Reem", "Waha",
            "Zahra", "Fajr", "Bayan", "Jazira", "Nakheel", "Sarab", "Dana", "Murjan", "Yasmin"]
TR_WORDS = ["Anadolu", "Bosphorus", "Ege", "Marmara", "Yıldız", "Toros", "Kuzey", "Akdeniz",
            "Karadeniz", "Kapadokya", "Doğu", "Atlas", "Başak", "Umut"]
KR_SYLL = ["Han", "Dae", "Sam", "Hyun", "Sung", "Kyung", "Jin", "Young", "Dong", "Seo", "Il",
           "Shin", "Woo", "Hwa", "Kuk", "Myung"]
IN_WORDS = ["Shree", "Bharat", "Ganga", "Surya", "Lakshmi", "Vayu", "Agni", "Indus", "Sagar",
            "Kaveri", "Himalaya", "Narmada", "Deccan", "Jyoti", "Vishnu", "Sahyadri"]

LOCALE = {
    "JP": "ja", "RU": "ru", "BY": "ru", "KZ": "ru", "CN": "zh", "HK": "hk", "SG": "zh/en",
    "MY": "zh/en", "DE": "de", "CH": "de/en", "LU": "de/off", "GB": "en", "US": "en", "NL": "en",
    "TH": "en", "CY": "off/en", "VG": "off/en", "KY": "off/en", "SC": "off", "MT": "off/en",
    "LV": "off", "EE": "off", "AM": "off", "GE": "off", "AE": "ar/en/off", "TR": "tr", "KR": "kr",
    "IN": "in",
}

LEGAL_FORMS = {
    "JP": [("Co., Ltd.", 80), ("Inc.", 12), ("G.K.", 8)],
    "SG": [("Pte. Ltd.", 95), ("Ltd.", 5)],
    "HK": [("Limited", 75), ("Company Limited", 25)],
    "CY": [("Limited", 60), ("Ltd", 40)],
    "AE": [("FZE", 35), ("FZCO", 25), ("L.L.C", 25), ("DMCC", 15)],
    "VG": [("Limited", 50), ("Ltd.", 25), ("Inc.", 15), ("Corp.", 10)],
    "GB": [("Ltd", 55), ("Limited", 30), ("PLC", 5), ("LLP", 10)],
    "US": [("Inc.", 45), ("LLC", 40), ("Corp.", 10), ("L.P.", 5)],
    "DE": [("GmbH", 65), ("AG", 10), ("GmbH & Co. KG", 20), ("UG (haftungsbeschränkt)", 5)],
    "CN": [("Co., Ltd.", 100)],
    "KZ": [("LLP", 100)],
    "CH": [("AG", 50), ("SA", 20), ("GmbH", 25), ("Sàrl", 5)],
    "NL": [("B.V.", 90), ("N.V.", 10)],
    "LU": [("S.à r.l.", 70), ("S.A.", 30)],
    "KY": [("Ltd.", 80), ("LP", 20)],
    "TR": [("A.Ş.", 50), ("Ltd. Şti.", 50)],
    "KR": [("Co., Ltd.", 80), ("Corporation", 20)],
    "SC": [("Ltd", 100)],
    "MT": [("Limited", 70), ("Ltd", 30)],
    "LV": [("SIA", 85), ("AS", 15)],
    "EE": [("OÜ", 85), ("AS", 15)],
    "IN": [("Private Limited", 80), ("Limited", 20)],
    "TH": [("Co., Ltd.", 85), ("Public Company Limited", 15)],
    "MY": [("Sdn. Bhd.", 85), ("Berhad", 15)],
    "AM": [("LLC", 100)],
    "GE": [("LLC", 100)],
}

# Person name pools: (given names, family names); some carry a native-script alias.
JA_FAMILY = [
    ("Sato", "佐藤"), ("Suzuki", "鈴木"), ("Takahashi", "高橋"), ("Tanaka", "田中"),
    ("Watanabe", "渡辺"), ("Ito", "伊藤"), ("Yamamoto", "山本"), ("Nakamura", "中村"),
    ("Kobayashi", "小林"), ("Kato", "加藤"), ("Yoshida", "吉田"), ("Yamada", "山田"),
    ("Sasaki", "佐々木"), ("Yamaguchi", "山口"), ("Matsumoto", "松本"), ("Inoue", "井上"),
    ("Kimura", "木村"), ("Hayashi", "林"), ("Shimizu", "清水"), ("Yamazaki", "山崎"), ("Mori",
    "森"),
    ("Abe", "阿部"), ("Ikeda", "池田"), ("Hashimoto", "橋本"), ("Yamashita", "山下"),
    ("Ishikawa", "石川"), ("Nakajima", "中島"), ("Maeda", "前田"), ("Fujita", "藤田"),
    ("Ogawa", "小川"), ("Goto", "後藤"), ("Okada", "岡田"), ("Hasegawa", "長谷川"),
    ("Murakami", "村上"), ("Kondo", "近藤"), ("Ishii", "石井"), ("Saito", "斎藤"),
    ("Sakamoto", "坂本"), ("Endo", "遠藤"), ("Aoki", "青木"),
]
JA_GIVEN = [
    ("Hiroshi", "浩"), ("Takashi", "隆"), ("Kenji", "健二"), ("Akira", "明"), ("Satoshi", "聡"),
    ("Daisuke", "大輔"), ("Kazuo", "和夫"), ("Makoto", "誠"), ("Naoki", "直樹"), ("Yoshiko",
    "良子"),
    ("Keiko", "恵子"), ("Yumi", "由美"), ("Tomoko", "智子"), ("Haruka", "遥"), ("Shinji", "慎二"),
    ("Ryota", "涼太"), ("Masato", "雅人"), ("Kaori", "香織"), ("Emi", "恵美"), ("Takeshi", "武"),
    ("Tetsuya", "哲也"), ("Koji", "浩二"), ("Junko", "順子"), ("Yuko", "裕子"), ("Shota", "翔太"),
    ("Kenta", "健太"), ("Mai", "麻衣"), ("Noboru", "昇"), ("Yusuke", "祐介"), ("Ayumi", "歩"),
]
RU_MALE = [
    ("Aleksandr", "Александр", "Aleksandrovich", "Александрович"),
    ("Sergey", "Сергей", "Sergeyevich", "Сергеевич"),
    ("Dmitry", "Дмитрий", "Dmitriyevich", "Дмитриевич"),
    ("Andrey", "Андрей", "Andreyevich", "Андреевич"),
    ("Alexey", "Алексей", "Alekseyevich", "Алексеевич"),
    ("Mikhail", "Михаил", "Mikhailovich", "Михайлович"),
    ("Ivan", "Иван", "Ivanovich", "Иванович"),
    ("Vladimir", "Владимир", "Vladimirovich", "Владимирович"),
    ("Nikolay", "Николай", "Nikolayevich", "Николаевич"),
    ("Igor", "Игорь", "Igorevich", "Игоревич"),
    ("Oleg", "Олег", "Olegovich", "Олегович"),
    ("Yuri", "Юрий", "Yuryevich", "Юрьевич"),
    ("Viktor", "Виктор", "Viktorovich", "Викторович"),
    ("Pavel", "Павел", "Pavlovich", "Павлович"),
    ("Roman", "Роман", "Romanovich", "Романович"),
    ("Maxim", "Максим", "Maksimovich", "Максимович"),
    ("Denis", "Денис", "Denisovich", "Денисович"),
    ("Evgeny", "Евгений", "Evgenyevich", "Евгеньевич"),
    ("Arkady", "Аркадий", "Arkadyevich", "Аркадьевич"),
    ("Boris", "Борис", "Borisovich", "Борисович"),
    ("Gennady", "Геннадий", "Gennadyevich", "Геннадьевич"),
    ("Konstantin", "Константин", "Konstantinovich", "Константинович"),
]
RU_FEMALE = [
    ("Elena", "Елена"), ("Olga", "Ольга"), ("Tatiana", "Татьяна"), ("Natalia", "Наталья"),
    ("Irina", "Ирина"), ("Svetlana", "Светлана"), ("Anna", "Анна"), ("Maria", "Мария"),
    ("Ekaterina", "Екатерина"), ("Yulia", "Юлия"), ("Marina", "Марина"), ("Anastasia", "Анастасия"),
]
RU_SURNAMES = [
    ("Ivanov", "Иванов"), ("Smirnov", "Смирнов"), ("Kuznetsov", "Кузнецов"), ("Popov", "Попов"),
    ("Vasilyev", "Васильев"), ("Petrov", "Петров"), ("Sokolov", "Соколов"), ("Mikhailov",
    "Михайлов"),
    ("Novikov", "Новиков"), ("Fedorov", "Федоров"), ("Morozov", "Морозов"), ("Volkov", "Волков"),
    ("Alekseev", "Алексеев"), ("Lebedev", "Лебедев"), ("Semenov", "Семенов"), ("Egorov", "Егоров"),
    ("Pavlov", "Павлов"), ("Kozlov", "Козлов"), ("Stepanov", "Степанов"), ("Nikolaev", "Николаев"),
    ("Orlov", "Орлов"), ("Andreev", "Андреев"), ("Makarov", "Макаров"), ("Zakharov", "Захаров"),
    ("Zaitsev", "Зайцев"), ("Soloviev", "Соловьев"), ("Borisov", "Борисов"), ("Yakovlev",
    "Яковлев"),
    ("Grigoriev", "Григорьев"), ("Romanov", "Романов"), ("Vorobiev", "Воробьев"),
    ("Sergeev", "Сергеев"), ("Frolov", "Фролов"), ("Belov", "Белов"), ("Gusev", "Гусев"),
    ("Tarasov", "Тарасов"), ("Belyaev", "Беляев"), ("Komarov", "Комаров"), ("Kiselev", "Киселев"),
    ("Abramov", "Абрамов"), ("Nurlanov", "Нурланов"), ("Abenov", "Абенов"),
]
UA_GIVEN = ["Oleksandr", "Mykola", "Andriy", "Serhiy", "Volodymyr", "Yuriy", "Taras", "Oksana",
            "Olena", "Iryna", "Natalia", "Dmytro", "Vasyl", "Bohdan"]
UA_FAMILY = ["Shevchenko", "Kovalenko", "Bondarenko", "Tkachenko", "Kravchenko", "Melnyk",
             "Boyko", "Kovalchuk", "Oliynyk", "Lysenko", "Marchenko", "Savchenko", "Rudenko"]
ZH_FAMILY = ["Wang", "Li", "Zhang", "Liu", "Chen", "Yang", "Huang", "Zhao", "Wu", "Zhou", "Xu",
             "Sun", "Ma", "Zhu", "Hu", "Guo", "He", "Lin", "Luo", "Gao"]
ZH_GIVEN = ["Wei", "Jie", "Min", "Xiaoming", "Hui", "Jun", "Lei", "Yan", "Ling", "Hao", "Qiang",
            "Fang", "Jianguo", "Xiaoyan", "Yong", "Lihua", "Zhiwei", "Haiyan", "Bo", "Ying"]
HK_FAMILY = ["Chan", "Wong", "Lee", "Cheung", "Lau", "Leung", "Ng", "Ho", "Lam", "Tang", "Tsang",
             "Yip", "Chow", "Kwok", "Fung"]
HK_GIVEN = ["Ka Wai", "Siu Ming", "Wing Kei", "Chi Keung", "Mei Ling", "Kwok Wah", "Hoi Yan",
            "Tak Ming", "Suk Yee", "Man Kit", "Wai Man", "Yuk Lan"]
HK_ENGLISH = ["Peter", "David", "Michael", "Eric", "Kenneth", "Raymond", "Vincent", "Alice",
              "Grace", "Winnie", "Joyce", "Stanley"]
SG_FAMILY = ["Tan", "Lim", "Lee", "Ng", "Ong", "Wong", "Goh", "Chua", "Koh", "Teo", "Chan", "Yeo"]
SG_GIVEN = ["Kok Wah", "Mei Ling", "Boon Heng", "Wei Ming", "Siew Lan", "Chee Keong", "Hui Min",
            "Kian Seng", "Li Ting", "Jun Jie", "Beng Huat", "Xiu Ying"]
EN_GIVEN = ["James", "John", "Robert", "Michael", "David", "William", "Richard", "Thomas",
            "Charles",
            "Daniel", "Matthew", "Andrew", "Mark", "Paul", "Steven", "Sarah", "Emma", "Elizabeth",
            "Mary", "Jennifer", "Laura", "Karen", "Rachel", "Claire", "Helen", "Oliver", "George",
            "Harry", "Jack", "Sophie"]
EN_FAMILY = ["Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies",
             "Robinson", "Wright", "Thompson", "Evans", "Walker", "White", "Roberts", "Green",
             "Hall",
             "Wood", "Jackson", "Clarke", "Miller", "Davis", "Anderson", "Harris", "Martin",
             "Moore",
             "Clark", "Lewis", "Young", "Allen", "Baker", "Carter", "Mitchell", "Turner", "Parker",
             "Collins", "Edwards", "Stewart", "Morris", "Murphy"]
DE_GIVEN = ["Thomas", "Michael", "Andreas", "Stefan", "Christian", "Markus", "Klaus", "Jürgen",
            "Wolfgang", "Frank", "Sabine", "Petra", "Claudia", "Monika", "Anja", "Katrin", "Julia",
            "Lukas", "Felix", "Jan"]
DE_FAMILY = ["Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker",
             "Schulz", "Hoffmann", "Schäfer", "Koch", "Bauer", "Richter", "Klein", "Wolf",
             "Schröder", "Neumann", "Schwarz", "Zimmermann", "Braun", "Krüger", "Hofmann",
             "Hartmann", "Lange", "Werner", "Krause", "Lehmann", "Köhler", "Maier"]
GR_GIVEN = ["Andreas", "Christos", "Georgios", "Nikos", "Constantinos", "Michalis", "Panayiotis",
            "Marios", "Ioannis", "Demetris", "Maria", "Eleni", "Christina", "Anna", "Katerina",
            "Elena", "Despina", "Androulla"]
GR_FAMILY = ["Georgiou", "Constantinou", "Christodoulou", "Ioannou", "Nicolaou", "Charalambous",
             "Papadopoulos", "Andreou", "Demetriou", "Savva", "Antoniou", "Kyriacou", "Panayiotou",
             "Pavlou", "Hadjigeorgiou", "Loizou", "Christou", "Stylianou", "Theodorou"]
AR_GIVEN = ["Mohammed", "Ahmed", "Ali", "Omar", "Khalid", "Hassan", "Hussein", "Abdullah", "Saeed",
            "Rashid", "Sultan", "Fatima", "Aisha", "Mariam", "Noura", "Hamad", "Yousef", "Ibrahim",
            "Majid", "Salem"]
AR_FAMILY = ["Al Mansoori", "Al Suwaidi", "Al Falasi", "Al Ketbi", "Al Hashimi", "Al Shamsi",
             "Al Mazrouei", "Al Dhaheri", "Al Marzooqi", "Al Zaabi", "Al Nuaimi", "Al Kaabi",
             "Al Mheiri", "Al Blooshi", "Haddad", "Khoury", "Saleh", "Nasser"]
TR_GIVEN = ["Mehmet", "Mustafa", "Ahmet", "Ali", "Hüseyin", "Hasan", "Murat", "Emre", "Burak",
            "Ayşe",
            "Fatma", "Emine", "Zeynep", "Elif"]
TR_FAMILY = ["Yılmaz", "Kaya", "Demir", "Şahin", "Çelik", "Yıldız", "Yıldırım", "Öztürk", "Aydın",
             "Özdemir", "Arslan", "Doğan", "Kılıç", "Aslan"]
KR_FAMILY = ["Kim", "Lee", "Park", "Choi", "Jung", "Kang", "Cho", "Yoon", "Jang", "Lim"]
KR_GIVEN = ["Min-jun", "Seo-yeon", "Ji-hoon", "Hyun-woo", "Soo-jin", "Dong-hyun", "Ji-yeon",
            "Sung-min", "Young-ho", "Eun-ji", "Jae-won", "Ha-eun"]
IN_GIVEN = ["Rahul", "Amit", "Rajesh", "Sanjay", "Vikram", "Anil", "Suresh", "Priya", "Anjali",
            "Neha", "Deepak", "Arjun", "Ravi", "Sunita", "Kavita"]
IN_FAMILY = ["Sharma", "Patel", "Gupta", "Singh", "Kumar", "Mehta", "Shah", "Agarwal", "Reddy",
             "Nair", "Iyer", "Jain", "Malhotra", "Kapoor", "Bose"]
AM_GIVEN = ["Armen", "Aram", "Tigran", "Davit", "Gevorg", "Anna", "Lilit", "Ani", "Karen", "Hayk"]
AM_FAMILY = ["Petrosyan", "Sargsyan", "Hakobyan", "Grigoryan", "Harutyunyan", "Khachatryan",
             "Karapetyan", "Avetisyan", "Vardanyan", "Mkrtchyan"]
GE_GIVEN = ["Giorgi", "Davit", "Levan", "Nino", "Tamar", "Irakli", "Zurab", "Ketevan", "Lasha"]
GE_FAMILY = ["Beridze", "Kapanadze", "Gelashvili", "Maisuradze", "Giorgadze", "Lomidze",
             "Tsiklauri", "Kvaratskhelia", "Nozadze"]
IL_GIVEN = ["David", "Yosef", "Moshe", "Avi", "Noa", "Tamar", "Eyal", "Yael", "Ronen", "Shira"]
IL_FAMILY = ["Cohen", "Levi", "Mizrahi", "Peretz", "Friedman", "Biton", "Dahan", "Avraham", "Katz"]
MY_GIVEN = ["Ahmad", "Muhammad", "Siti", "Nur", "Aziz", "Farah", "Hafiz", "Aminah"]
MY_FAMILY = ["bin Abdullah", "bin Ismail", "binti Hassan", "bin Rahman", "bin Othman"]

# --------------------------------------------------------------------------------------------
# Addresses
# --------------------------------------------------------------------------------------------

JP_PLACES = [
    ("Chiyoda-ku", "Tokyo", ["Marunouchi", "Otemachi", "Kanda", "Kojimachi"], "100"),
    ("Minato-ku", "Tokyo", ["Akasaka", "Roppongi", "Shiba", "Toranomon", "Konan"], "105"),
    ("Chuo-ku", "Tokyo", ["Nihonbashi", "Ginza", "Kyobashi", "Tsukiji"], "104"),
    ("Shibuya-ku", "Tokyo", ["Dogenzaka", "Ebisu", "Jingumae", "Sendagaya"], "150"),
    ("Shinjuku-ku", "Tokyo", ["Nishi-Shinjuku", "Yotsuya", "Kabukicho"], "160"),
    ("Kita-ku", "Osaka", ["Umeda", "Dojima", "Nakanoshima"], "530"),
    ("Naka-ku", "Nagoya", ["Sakae", "Marunouchi", "Nishiki"], "460"),
    ("Hakata-ku", "Fukuoka", ["Hakata Ekimae", "Gion", "Nakasu"], "812"),
    ("Chuo-ku", "Sapporo", ["Kita 1-jo", "Odori", "Minami 2-jo"], "060"),
    ("Nishi-ku", "Yokohama", ["Minatomirai", "Takashima", "Kitasaiwai"], "220"),
]
RU_CITIES = [
    ("Moscow", "1", ["Tverskaya", "Novy Arbat", "Leninsky prospekt", "Profsoyuznaya",
                     "Myasnitskaya",
                     "Bolshaya Ordynka", "Presnenskaya nab.", "Kutuzovsky prospekt"]),
    ("Saint Petersburg", "19", ["Nevsky prospekt", "Moskovsky prospekt", "Sadovaya",
                                "Ligovsky prospekt"]),
    ("Novosibirsk", "63", ["Krasny prospekt", "Kirova", "Lenina"]),
    ("Yekaterinburg", "62", ["Malysheva", "Lenina", "8 Marta"]),
    ("Irkutsk", "66", ["Karla Marksa", "Baikalskaya", "Lermontova"]),
    ("Krasnoyarsk", "66", ["Mira prospekt", "Karla Marksa", "Vzletnaya"]),
    ("Kazan", "42", ["Baumana", "Pushkina", "Kremlyovskaya"]),
    ("Vladivostok", "69", ["Svetlanskaya", "Aleutskaya", "Okeansky prospekt"]),
]
SG_STREETS = ["Raffles Place", "Cecil Street", "Robinson Road", "Shenton Way", "Anson Road",
              "Orchard Road", "Beach Road", "North Bridge Road", "Tanjong Pagar Road",
              "Marina Boulevard", "Collyer Quay", "Ubi Avenue 1", "Kallang Avenue",
              "Jurong East St 21"]
HK_BUILDINGS = ["Tower", "Centre", "Building", "Plaza", "House", "Commercial Building"]
HK_STREETS = [("Queen's Road Central", "Central"), ("Des Voeux Road Central", "Sheung Wan"),
              ("Nathan Road", "Tsim Sha Tsui"), ("Hennessy Road", "Wan Chai"),
              ("Canton Road", "Tsim Sha Tsui"), ("King's Road", "North Point"),
              ("Connaught Road Central", "Central"), ("Hoi Bun Road", "Kwun Tong")]
CY_STREETS = [("Arch. Makariou III", "Limassol", "3"), ("Spyrou Kyprianou", "Limassol", "4"),
              ("Agiou Athanasiou", "Limassol", "4"), ("Themistokli Dervi", "Nicosia", "1"),
              ("Griva Digeni", "Larnaca", "6"), ("Vasileos Konstantinou", "Limassol", "3"),
              ("Kennedy Avenue", "Nicosia", "1")]
AE_PLACES = [("Jumeirah Lakes Towers", "Dubai"), ("Business Bay", "Dubai"), ("DIFC", "Dubai"),
             ("Dubai Silicon Oasis", "Dubai"), ("Al Quoz", "Dubai"), ("Deira", "Dubai"),
             ("Al Reem Island", "Abu Dhabi"), ("SAIF Zone", "Sharjah"), ("RAKEZ", "Ras Al Khaimah")]
VG_PLACES = ["Wickhams Cay I", "Wickhams Cay II", "Main Street", "Waterfront Drive",
             "Road Reef Plaza", "Flemming Street"]
GB_PLACES = [("London", ["EC1V", "EC2A", "W1U", "WC2H", "N1", "SE1", "E14", "SW1Y"]),
             ("Manchester", ["M1", "M2", "M3"]), ("Birmingham", ["B1", "B2", "B3"]),
             ("Edinburgh", ["EH1", "EH2", "EH3"]), ("Leeds", ["LS1", "LS2"]), ("Bristol", ["BS1",
             "BS2"])]
GB_STREETS = ["High Street", "Station Road", "Church Street", "City Road", "Old Street",
              "Baker Street",
              "King Street", "Victoria Street", "Queen Street", "Market Street", "Park Lane",
              "Fenchurch Street", "Great Portland Street", "Bishopsgate"]
US_PLACES = [("New York", "NY", "100"), ("Wilmington", "DE", "198"), ("Miami", "FL", "331"),
             ("San Francisco", "CA", "941"), ("Houston", "TX", "770"), ("Sheridan", "WY", "828"),
             ("Chicago", "IL", "606"), ("Seattle", "WA", "981"), ("Dover", "DE", "199"),
             ("Las Vegas", "NV", "891")]
US_STREETS = ["Main Street", "Broadway", "Market Street", "Orange Street", "Park Avenue",
              "5th Avenue", "Brickell Avenue", "Louisiana Street", "Wacker Drive", "Pine Street",
              "Coffeen Avenue", "Silverado Ranch Blvd"]
DE_PLACES = [("Berlin", "10"), ("Hamburg", "20"), ("München", "80"), ("Frankfurt am Main", "60"),
             ("Düsseldorf", "40"), ("Köln", "50"), ("Stuttgart", "70"), ("Leipzig", "04")]
DE_STREETS = ["Hauptstraße", "Bahnhofstraße", "Friedrichstraße", "Kaiserstraße", "Goethestraße",
              "Königsallee", "Neuer Wall", "Maximilianstraße", "Mainzer Landstraße",
              "Schillerstraße"]
GENERIC_PLACES = {
    "CN": ["Shenzhen", "Shanghai", "Beijing", "Guangzhou"],
    "KZ": ["Almaty", "Astana"], "CH": ["Zug", "Zürich", "Geneva", "Lugano"],
    "NL": ["Amsterdam", "Rotterdam"], "LU": ["Luxembourg"], "KY": ["George Town, Grand Cayman"],
    "TR": ["Istanbul", "Ankara", "Izmir"], "KR": ["Seoul", "Busan"], "SC": ["Victoria, Mahé"],
    "MT": ["Valletta", "Sliema", "St Julian's"], "LV": ["Riga"], "EE": ["Tallinn"],
    "BY": ["Minsk"], "IN": ["Mumbai", "New Delhi", "Bengaluru"], "TH": ["Bangkok"],
    "MY": ["Kuala Lumpur", "Labuan"], "AM": ["Yerevan"], "GE": ["Tbilisi", "Batumi"],
}
GENERIC_STREETS = ["Central Avenue", "Harbour Road", "Independence Street", "Market Square",
                   "Park Road", "Industrial Zone", "Business Park", "Liberty Avenue", "Ring Road",
                   "Lake Street", "Station Square"]
AGENT_NAMES = ["Harbour", "Meridian", "Trident", "Oakwood", "Capital", "Pinnacle", "Crown",
               "Atlantic", "Ocean", "Summit", "Sovereign", "Regal"]
AGENT_KINDS = ["Corporate Services", "Trust Company", "Fiduciary Services", "Registered Agents",
               "Company Secretaries", "Management Services"]

# --------------------------------------------------------------------------------------------
# Ownership shapes (shares are integer hundredths of a percent)
# --------------------------------------------------------------------------------------------

SPLITS = {
    1: [((10000,), 62), ((5100,), 8), ((7500,), 6), ((6000,), 3), ((5000,), 5), ((9000,), 3),
        ((3000,), 3), ((2500,), 3), ((1000,), 3), ((8000,), 2), ((4900,), 2)],
    2: [((5000, 5000), 25), ((5100, 4900), 15), ((7500, 2500), 12), ((6000, 4000), 8),
        ((6667, 3333), 8), ((7000, 3000), 7), ((8000, 2000), 7), ((9000, 1000), 6),
        ((5000, 2500), 4), ((4000, 3000), 3), ((5100, 2000), 3), ((9900, 100), 2)],
    3: [((3333, 3333, 3334), 22), ((5000, 2500, 2500), 18), ((4000, 3000, 3000), 12),
        ((6000, 2000, 2000), 10), ((5100, 2900, 2000), 10), ((3400, 3300, 3300), 8),
        ((5000, 3000, 2000), 10), ((4500, 4500, 1000), 5), ((2500, 2500, 2500), 5)],
}
BANDS = ((7500, 10000), (5000, 7500), (2500, 5000), (1000, 2500))
IN_DEGREE = [(0, 12), (1, 52), (2, 23), (3, 8), (4, 3), (5, 1), (6, 0.5), (7, 0.3), (8, 0.1),
             (10, 0.2)]

AUTHORITIES = ("OFAC", "EU", "UK", "JP-MOF")
OFAC_UKRAINE = ("UKRAINE-EO13660", "UKRAINE-EO13661", "UKRAINE-EO13662")
OFAC_OTHER = ("SDGT", "IRAN", "DPRK3", "GLOMAG", "SDNTK", "CYBER2")
EU_OTHER = ("IRAN (Reg. 267/2012)", "DPRK (Reg. 2017/1509)", "TERRORISM (Reg. 2580/2001)")
UK_OTHER = ("Global Human Rights", "Cyber", "Iran", "Counter-Terrorism")


# fmt: on


def _fmt_share(h: int) -> str:
    if h % 100 == 0:
        return str(h // 100)
    return f"{h // 100}.{h % 100:02d}".rstrip("0")


# --------------------------------------------------------------------------------------------
# Registration numbers (unique per jurisdiction: a bijective scramble of a per-jurisdiction counter)
# --------------------------------------------------------------------------------------------


class _Scramble:
    __slots__ = ("mod", "mult", "off")

    def __init__(self, rng: random.Random, mod: int):
        self.mod = mod
        mult = rng.randrange(mod // 3, mod) | 1
        while gcd(mult, mod) != 1:
            mult += 2
        self.mult = mult
        self.off = rng.randrange(mod)

    def __call__(self, seq: int) -> int:
        if seq >= self.mod:
            raise ValueError("too many companies for this registration number scheme")
        return (self.off + seq * self.mult) % self.mod


# Digits of the scrambled serial per jurisdiction.
# fmt: off
REG_DIGITS = {
    "JP": 12, "RU": 9, "SG": 5, "HK": 7, "CY": 6, "AE": 7, "VG": 7, "GB": 7, "US": 7, "DE": 6,
    "CN": 10, "KZ": 7, "CH": 9, "NL": 8, "LU": 6, "KY": 6, "TR": 7, "KR": 7, "SC": 6, "MT": 5,
    "LV": 7, "EE": 7, "BY": 7, "IN": 6, "TH": 9, "MY": 6, "AM": 8, "GE": 9,
}
# fmt: on
SG_CHECK = "ABCDEFGHJKLMNRWXZ"


class _RegNumbers:
    def __init__(self, rng: random.Random):
        self.scr = {j: _Scramble(rng, 10**d) for j, d in REG_DIGITS.items()}
        self.seq: dict[object, int] = {}

    def _next(self, key) -> int:
        n = self.seq.get(key, 0)
        self.seq[key] = n + 1
        return n

    def make(self, rng: random.Random, j: str, inc: date) -> str:
        y = inc.year
        if j == "SG":
            v = self.scr["SG"](self._next(("SG", y)))
            body = f"{y}{v:05d}"
            chk = SG_CHECK[sum((i + 1) * int(c) for i, c in enumerate(body)) % len(SG_CHECK)]
            return body + chk
        v = self.scr[j](self._next(j))
        if j == "JP":  # 法人番号: check digit + 12-digit base
            base = f"{v:012d}"
            s = sum(int(d) * (1 if n % 2 == 0 else 2) for n, d in enumerate(reversed(base)))
            return f"{9 - s % 9}{base}"
        if j == "RU":  # OGRN: sign, year, 9 digits (region, inspection, serial), check digit
            first12 = f"{'1' if rng.random() < 0.8 else '5'}{max(y, 2002) % 100:02d}{v:09d}"
            return f"{first12}{int(first12) % 11 % 10}"
        if j == "CY":
            return f"HE{v:06d}"
        if j == "DE":
            return f"HRB {v}"
        if j == "GB":
            return f"SC{v:06d}" if v < 500000 else f"{v:08d}"  # Scotland: ~5 %
        if j == "CN":
            return f"91{rng.choice(('440300', '310000', '110000', '440100', '330100'))}{v:010d}"
        if j == "KZ":
            return f"{y % 100:02d}{inc.month:02d}4{v:07d}"  # BIN: 12 digits
        if j == "CH":
            s = f"{v:09d}"
            return f"CHE-{s[:3]}.{s[3:6]}.{s[6:]}"
        if j == "LU":
            return f"B{v:06d}"
        if j == "KY":
            return f"{'MC' if rng.random() < 0.3 else 'CR'}-{v:06d}"
        if j == "MT":
            return f"C {v:05d}"
        if j == "LV":
            return f"4000{v:07d}"
        if j == "EE":
            return f"1{v:07d}"
        if j == "BY":
            return f"19{v:07d}"
        if j == "IN":
            state = rng.choice(("MH", "DL", "KA", "TN", "GJ"))
            return f"U{rng.randrange(10000, 99999)}{state}{y}PTC{v:06d}"
        if j == "KR":
            return f"110111-{v:07d}"
        if j == "TH":
            return f"0105{v:09d}"
        if j == "MY":
            return f"{y}01{v:06d}"
        return f"{v:0{REG_DIGITS[j]}d}"


# --------------------------------------------------------------------------------------------
# The generator
# --------------------------------------------------------------------------------------------


class _Gen:
    def __init__(self, companies: int, seed: int):
        if companies < 1:
            raise ValueError("companies must be at least 1")
        self.n = companies
        self.rng = rng = random.Random(seed)
        self.persons = max(1, round(companies * 0.3))
        self.reg = _RegNumbers(rng)

        self.company_juris = _Weighted(COMPANY_JURISDICTIONS)
        self.head_juris = _Weighted(HEAD_JURISDICTIONS)
        self.ops_countries = _Weighted(OPERATION_COUNTRIES)
        self.juris_codes = sorted(
            {j for j, _ in COMPANY_JURISDICTIONS + PERSON_NATIONALITIES + OPERATION_COUNTRIES}
        )
        self.juris_index = {j: k for k, j in enumerate(self.juris_codes)}
        self.in_degree = _Weighted(IN_DEGREE)
        self.splits = {k: _Weighted(v) for k, v in SPLITS.items()}
        self.legal = {j: _Weighted(v) for j, v in LEGAL_FORMS.items()}
        self.ru_forms = _Weighted(RU_FORMS)

        # Persons: nationality up front (owners and officers are matched to it).
        nat = _Weighted(PERSON_NATIONALITIES)
        self.person_nat = bytearray(self.persons + 1)
        by_nat: dict[str, array] = {}
        for p in range(1, self.persons + 1):
            j = nat.pick(rng)
            self.person_nat[p] = self.juris_index[j]
            by_nat.setdefault(j, array("i")).append(p)
        self.persons_by_nat = by_nat
        n_tycoons = max(3, self.persons // 100)
        self.tycoons = rng.sample(range(1, self.persons + 1), min(n_tycoons, self.persons))
        self.tycoon_zipf = _Zipf(len(self.tycoons), 0.8)
        n_nominees = max(3, companies // 1000)
        self.nominees = rng.sample(range(1, self.persons + 1), min(n_nominees, self.persons))
        self.nominee_zipf = _Zipf(len(self.nominees), 0.6)

        # Holding groups: heads among the first 10 % of ids; size by Zipf over a shuffled rank.
        n_groups = max(5, companies // 150)
        head_pool = max(n_groups * 2, companies // 10)
        n_groups = min(n_groups, max(1, companies // 2))
        heads = rng.sample(range(1, min(head_pool, companies) + 1), n_groups)
        self.heads = heads
        self.group_zipf = _Zipf(n_groups, 0.8)
        self.head_group = {h: g for g, h in enumerate(heads)}
        self.members = [array("i") for _ in heads]
        self.group_home: list[str] = [""] * n_groups
        self.group_brand: list[str] = [""] * n_groups

        # Formation agents: per jurisdiction, a few addresses used by many companies each.
        share = {j: w for j, w in COMPANY_JURISDICTIONS}
        total_w = sum(share.values())
        self.agents: dict[str, tuple[list[str], _Zipf]] = {}
        for j, w in COMPANY_JURISDICTIONS:
            rate = AGENT_RATE.get(j, AGENT_RATE_DEFAULT)
            k = max(1, round(companies * w / total_w * rate / 250))
            addrs = []
            for _ in range(k):
                a = self.address(j)
                if j not in ("RU", "BY", "KZ") and rng.random() < 0.5:
                    a = (
                        f"c/o {rng.choice(AGENT_NAMES)} {rng.choice(AGENT_KINDS)} "
                        f"{LEGAL_FORMS.get(j, [('Ltd', 1)])[0][0]}, {a}"
                    )
                addrs.append(a)
            self.agents[j] = (addrs, _Zipf(k, 1.0))

        # Compact per-company state.
        n1 = companies + 1
        self.inc = array("i", bytes(4 * n1))  # incorporation day ordinal
        self.depth = bytearray(n1)  # longest ownership chain above
        self.parent = array("i", bytes(4 * n1))  # main active company owner (0: none)
        self.jur = bytearray(n1)  # jurisdiction index
        self.headroom = array("H", [10000]) * n1  # 100 % minus exact shares in force
        self.dissolved = bytearray(n1)

        self.counts = dict.fromkeys(FILES, 0)
        self.in_cycle = 0

    # ---------------------------------------------------------------- names and addresses

    def brand(self, j: str) -> tuple[str, str | None]:
        """A brand name for a company registered in j, and its native-script form if any."""
        rng = self.rng
        loc = LOCALE.get(j, "en")
        if "/" in loc:
            loc = rng.choice(loc.split("/"))
        if loc == "ja":
            a, b = rng.choice(JA_PARTS), rng.choice(JA_PARTS)
            if rng.random() < 0.6:
                c = rng.choice(JA_PARTS)
                return a[0] + b[0].lower() + c[0].lower(), a[1] + b[1] + c[1]
            return a[0] + b[0].lower(), a[1] + b[1]
        if loc == "ru":
            a, b = rng.choice(RU_PREFIXES), rng.choice(RU_SUFFIXES)
            lat, cyr = a[0] + b[0], a[1] + b[1]
            if rng.random() < 0.5:
                c = rng.choice(RU_PREFIXES)
                if c != a:
                    lat, cyr = c[0] + lat, c[1] + cyr
            lat, cyr = lat.capitalize(), cyr.capitalize()
            if rng.random() < 0.35:
                pl, pc = rng.choice(RU_ABBREVIATIONS)
                lat, cyr = f"{pl} {lat}", f"{pc} {cyr}"
            if rng.random() < 0.2:
                sl, sc = rng.choice(RU_TAILS)
                lat, cyr = lat + sl, cyr + sc
            return lat, cyr
        if loc == "zh":
            b = rng.choice(ZH_SYLLABLES) + rng.choice(ZH_SYLLABLES).lower()
            return (f"{b} {rng.choice(ASIA_WORDS)}" if rng.random() < 0.6 else b), None
        if loc == "hk":
            b = f"{rng.choice(HK_SYLLABLES)} {rng.choice(HK_SYLLABLES)}"
            r = rng.random()
            if r < 0.3:
                b += f" {rng.choice(HK_SYLLABLES)}"
            elif r < 0.7:
                b = f"{rng.choice(ASIA_WORDS)} {rng.choice(ASIA_WORDS + EN_WORDS)}"
            return b, None
        if loc == "de":
            r = rng.random()
            if r < 0.5:
                return rng.choice(DE_PREFIXES) + rng.choice(DE_SUFFIXES), None
            if r < 0.8:
                return f"{rng.choice(DE_FAMILY)} {rng.choice(DE_SUFFIXES).capitalize()}", None
            return f"{rng.choice(DE_FAMILY)} & {rng.choice(DE_FAMILY)}", None
        if loc == "off":
            s = rng.choice(OFF_SYLL_A) + rng.choice(OFF_SYLL_B)
            if rng.random() < 0.4:
                s += rng.choice(OFF_SYLL_B)
            return s + rng.choice(OFF_END), None
        if loc == "ar":
            b = f"Al {rng.choice(AR_WORDS)}"
            return (f"{b} {rng.choice(EN_WORDS)}" if rng.random() < 0.5 else b), None
        if loc == "tr":
            b = rng.choice(TR_WORDS)
            return (f"{b} {rng.choice(TR_FAMILY)}" if rng.random() < 0.7 else b), None
        if loc == "kr":
            return rng.choice(KR_SYLL) + rng.choice(KR_SYLL).lower(), None
        if loc == "in":
            b = rng.choice(IN_WORDS)
            return (f"{b} {rng.choice(IN_FAMILY)}" if rng.random() < 0.6 else b), None
        r = rng.random()
        if r < 0.45:
            return rng.choice(EN_PREFIXES) + rng.choice(EN_SUFFIXES), None
        if r < 0.6:
            return rng.choice(EN_WORDS), None
        if r < 0.8:
            word, pre, suf = rng.choice(EN_WORDS), rng.choice(EN_PREFIXES), rng.choice(EN_SUFFIXES)
            return f"{word} {pre}{suf}", None
        if r < 0.9:
            k = rng.choice((2, 3, 3))
            return "".join(chr(65 + rng.randrange(26)) for _ in range(k)), None
        fam = rng.choice(EN_FAMILY)
        return rng.choice((fam, f"{fam} & {rng.choice(EN_FAMILY)}", f"{fam} Brothers")), None

    def _sub_brand(self, brand: str, j: str) -> str:
        """A group company's brand at home: the group's brand with a region or business line."""
        rng = self.rng
        loc = LOCALE.get(j, "en")
        q = rng.choice(SUB_QUALIFIERS["ja" if loc == "ja" else "ru" if loc == "ru" else "en"])
        if loc == "ru":
            return brand + q + (f" {rng.choice(RU_REGIONS)}" if rng.random() < 0.6 else "")
        out = f"{brand} {q}"
        if rng.random() < 0.3:
            out = f"{brand} {rng.choice(SUB_QUALIFIERS['ja' if loc == 'ja' else 'en'])} {q}"
        return out

    def company_name(
        self, j: str, brand: str, native: str | None, head: bool, tag: str, foreign: bool
    ) -> tuple[str, list[str]]:
        rng = self.rng
        aliases: list[str] = []
        if j in ("RU", "BY", "KZ"):
            (form, form_cyr) = self.ru_forms.pick(rng) if j != "KZ" else ("TOO", "ТОО")
            if head:
                form, form_cyr = ("PAO", "ПАО") if rng.random() < 0.5 else ("AO", "АО")
            if tag == "crypto-mining":
                a, b = rng.choice(RU_PREFIXES), rng.choice(RU_CRYPTO_SUFFIXES)
                brand, native = (a[0] + b[0]).capitalize(), (a[1] + b[1]).capitalize()
            if foreign:
                return f'{form} "{brand} {"Rus" if j == "RU" else COUNTRY_NAMES[j]}"', aliases
            if native and rng.random() < 0.5:
                aliases.append(f"{form_cyr} «{native}»")
            return f'{form} "{brand}"', aliases
        if j == "JP":
            if head:
                name = f"{brand} Holdings, Inc."
                if native and rng.random() < 0.5:
                    aliases.append(f"{native}ホールディングス株式会社")
                return name, aliases
            if tag == "crypto-exchange":
                sector, sector_ja = rng.choice(JA_EXCHANGE_SECTORS)
            elif tag == "crypto-miner":
                sector, sector_ja = rng.choice(JA_MINER_SECTORS)
            else:
                sector, sector_ja = rng.choice(JA_SECTORS)
            form = self.legal["JP"].pick(rng)
            name = f"{brand} {sector} {form}"
            if native and not foreign and rng.random() < 0.35:
                if rng.random() < 0.6:
                    aliases.append(f"株式会社{native}{sector_ja}")
                else:
                    aliases.append(f"{native}{sector_ja}株式会社")
            return name, aliases
        forms = self.legal.get(j)
        form = forms.pick(rng) if forms else "Ltd"
        if head:
            sector = rng.choice(("Holdings", "Group", "Holdings", "Capital"))
        elif tag == "crypto-exchange":
            sector = rng.choice(("Digital Exchange", "Crypto", "Coin Markets"))
        elif rng.random() < 0.85:
            sector = rng.choice(EN_SECTORS)
        else:
            sector = ""
        parts = [brand, sector] if sector else [brand]
        if foreign and rng.random() < 0.5:
            parts.append(f"({COUNTRY_NAMES.get(j, j)})")
        if j == "CN" and not foreign:
            parts.insert(0, rng.choice(CN_CITIES))
        if form == "DMCC":
            parts.append("DMCC")
        else:
            parts.append(form)
        name = " ".join(parts)
        if rng.random() < 0.03:  # a former name
            old, _ = self.brand(j)
            aliases.append(f"{old} {form}")
        return name, aliases

    def person_name(self, j: str) -> tuple[str, list[str]]:
        rng = self.rng
        r = rng.random
        ch = rng.choice
        aliases: list[str] = []
        if j == "JP":
            fam, giv = ch(JA_FAMILY), ch(JA_GIVEN)
            if r() < 0.4:
                aliases.append(fam[1] + giv[1])
            if r() < 0.15:
                aliases.append(f"{fam[0].upper()} {giv[0]}")
            return f"{giv[0]} {fam[0]}", aliases
        if j in ("RU", "BY", "KZ"):
            fam = ch(RU_SURNAMES)
            father = ch(RU_MALE)
            if r() < 0.75:
                g = ch(RU_MALE)
                given, given_c, sur, sur_c = g[0], g[1], fam[0], fam[1]
                pat, pat_c = father[2], father[3]
            else:
                g = ch(RU_FEMALE)
                given, given_c, sur, sur_c = g[0], g[1], fam[0] + "a", fam[1] + "а"
                pat, pat_c = father[2][:-3] + "na", father[3][:-2] + "на"
            if r() < 0.5:
                aliases.append(f"{sur_c} {given_c} {pat_c}")
            if r() < 0.1:
                aliases.append(f"{sur.upper()}, {given}")
            return f"{given} {pat} {sur}", aliases
        if j == "UA":
            return f"{ch(UA_GIVEN)} {ch(UA_FAMILY)}", aliases
        if j == "CN":
            return f"{ch(ZH_FAMILY)} {ch(ZH_GIVEN)}", aliases
        if j == "HK":
            base = f"{ch(HK_FAMILY)} {ch(HK_GIVEN)}"
            return (f"{ch(HK_ENGLISH)} {base}" if r() < 0.4 else base), aliases
        if j == "SG":
            return f"{ch(SG_FAMILY)} {ch(SG_GIVEN)}", aliases
        if j == "MY":
            return f"{ch(MY_GIVEN)} {ch(MY_FAMILY)}", aliases
        if j in ("DE", "CH"):
            fam = ch(DE_FAMILY)
            translit = fam.replace("ü", "ue").replace("ö", "oe").replace("ä", "ae")
            giv = ch(DE_GIVEN)
            if translit != fam and r() < 0.5:
                aliases.append(f"{giv} {translit}")
            return f"{giv} {fam}", aliases
        if j == "CY":
            return f"{ch(GR_GIVEN)} {ch(GR_FAMILY)}", aliases
        if j == "AE":
            return f"{ch(AR_GIVEN)} {ch(AR_GIVEN)} {ch(AR_FAMILY)}", aliases
        if j == "TR":
            return f"{ch(TR_GIVEN)} {ch(TR_FAMILY)}", aliases
        if j == "KR":
            return f"{ch(KR_FAMILY)} {ch(KR_GIVEN)}", aliases
        if j == "IN":
            return f"{ch(IN_GIVEN)} {ch(IN_FAMILY)}", aliases
        if j == "AM":
            return f"{ch(AM_GIVEN)} {ch(AM_FAMILY)}", aliases
        if j == "GE":
            return f"{ch(GE_GIVEN)} {ch(GE_FAMILY)}", aliases
        if j == "IL":
            return f"{ch(IL_GIVEN)} {ch(IL_FAMILY)}", aliases
        if r() < 0.3:
            return f"{ch(EN_GIVEN)} {chr(65 + rng.randrange(26))}. {ch(EN_FAMILY)}", aliases
        return f"{ch(EN_GIVEN)} {ch(EN_FAMILY)}", aliases

    def address(self, j: str) -> str:
        rng = self.rng
        ri = rng.randint
        ch = rng.choice
        if j == "JP":
            ward, city, districts, zip3 = ch(JP_PLACES)
            block = f"{ri(1, 9)}-{ri(1, 30)}-{ri(1, 25)}"
            return f"{block} {ch(districts)}, {ward}, {city} {zip3}-{ri(0, 9999):04d}"
        if j == "RU":
            city, zp, streets = ch(RU_CITIES)
            office = f", of. {ri(1, 950)}" if rng.random() < 0.6 else ""
            tail = 6 - len(zp)
            street = ch(streets)
            if "prospekt" not in street and "nab." not in street:
                street = f"ul. {street}"
            return f"{street}, d. {ri(1, 180)}{office}, {city}, {zp}{ri(0, 10**tail - 1):0{tail}d}"
        if j == "SG":
            unit = f"#{ri(1, 40):02d}-{ri(1, 30):02d}"
            return f"{ri(1, 300)} {ch(SG_STREETS)} {unit}, Singapore {ri(10000, 829999):06d}"
        if j == "HK":
            street, district = ch(HK_STREETS)
            return (
                f"Flat {chr(65 + ri(0, 7))}, {ri(2, 40)}/F, {ch(EN_WORDS)} {ch(HK_BUILDINGS)}, "
                f"{ri(1, 300)} {street}, {district}, Hong Kong"
            )
        if j == "CY":
            street, city, z = ch(CY_STREETS)
            return (
                f"{street} {ri(1, 300)}, Floor {ri(1, 8)}, Flat {ri(1, 60)}, "
                f"{z}{ri(0, 999):03d} {city}, Cyprus"
            )
        if j == "AE":
            area, city = ch(AE_PLACES)
            return f"Office {ri(101, 4599)}, {ch(EN_WORDS)} Tower, {area}, {city}, UAE"
        if j == "VG":
            return (
                f"P.O. Box {ri(100, 4999)}, {ch(VG_PLACES)}, Road Town, Tortola, "
                "British Virgin Islands"
            )
        if j == "GB":
            city, districts = ch(GB_PLACES)
            unit = f"Unit {ri(1, 40)}, " if rng.random() < 0.4 else ""
            return (
                f"{unit}{ri(1, 250)} {ch(GB_STREETS)}, {city} {ch(districts)} "
                f"{ri(1, 9)}{chr(65 + ri(0, 25))}{chr(65 + ri(0, 25))}"
            )
        if j == "US":
            city, state, z = ch(US_PLACES)
            return (
                f"{ri(1, 9999)} {ch(US_STREETS)}, Suite {ri(100, 2999)}, {city}, "
                f"{state} {z}{ri(0, 99):02d}"
            )
        if j == "DE":
            city, z = ch(DE_PLACES)
            return f"{ch(DE_STREETS)} {ri(1, 220)}, {z}{ri(0, 999):03d} {city}"
        city = ch(GENERIC_PLACES.get(j, ["Capital City"]))
        country = COUNTRY_NAMES.get(j, j)
        return f"{ri(1, 400)} {ch(GENERIC_STREETS)}, Office {ri(1, 999)}, {city}, {country}"

    # ---------------------------------------------------------------- owner choice

    def _pick_person(self, j: str, tycoons: bool = True) -> int:
        rng = self.rng
        r = rng.random()
        if r < 0.08 and tycoons:
            return self.tycoons[self.tycoon_zipf.pick(rng)]
        if r < 0.7:
            pool = self.persons_by_nat.get(j)
            if pool:
                return pool[rng.randrange(len(pool))]
        return rng.randrange(1, self.persons + 1)

    def _pick_group_owner(self, i: int) -> tuple[int, int] | None:
        """(owner company, group) from a Zipf-sized holding group, or None."""
        rng = self.rng
        heads, depth, parent, dissolved = self.heads, self.depth, self.parent, self.dissolved
        for _ in range(3):
            g = self.group_zipf.pick(rng)
            h = heads[g]
            if h >= i:
                continue
            mem = self.members[g]
            if not mem or rng.random() < 0.3:
                return h, g
            c = mem[rng.randrange(len(mem))]
            while c and (depth[c] >= 8 or dissolved[c]):
                c = parent[c]
            return (c or h), g
        return None

    def _pick_any_owner(self, i: int) -> int:
        """A random earlier standalone-ish company (chains from these stay shallow)."""
        rng = self.rng
        depth, parent, dissolved = self.depth, self.parent, self.dissolved
        if i < 2:
            return 0
        limit = rng.choice((1, 2, 2, 3, 3, 4))
        for _ in range(4):
            c = rng.randrange(1, i)
            while c and depth[c] >= limit:
                c = parent[c]
            if c and not dissolved[c]:
                return c
        return 0

    def _start(self, lo: int, hi: int) -> int:
        lo = max(lo, D2005)
        if lo >= hi:
            return hi
        # founders' stakes often date from incorporation: lean towards lo
        return lo + int((hi - lo) * self.rng.random() ** 1.3)

    # ---------------------------------------------------------------- main

    def run(self, out_dir: Path) -> dict[str, int]:
        out_dir.mkdir(parents=True, exist_ok=True)
        handles = [open(out_dir / f, "w", encoding="utf-8", newline="") for f in FILES]
        try:
            ent, own, off, san = (csv.writer(h, lineterminator="\n") for h in handles)
            ent.writerow(ENTITY_COLUMNS)
            own.writerow(OWNERSHIP_COLUMNS)
            off.writerow(OFFICER_COLUMNS)
            san.writerow(SANCTION_COLUMNS)
            self._companies(ent, own, off, san)
            self._persons(ent, san)
        finally:
            for h in handles:
                h.close()
        return dict(self.counts)

    def _companies(self, ent, own, off, san) -> None:
        rng = self.rng
        rand = rng.random
        n = self.n
        inc_a, depth, parent = self.inc, self.depth, self.parent
        jur, headroom, dissolved = self.jur, self.headroom, self.dissolved
        codes, jidx = self.juris_codes, self.juris_index
        counts = self.counts
        w_ent, w_own, w_off, w_san = ent.writerow, own.writerow, off.writerow, san.writerow
        n_own = n_off = 0

        for i in range(1, n + 1):
            cid = f"c{i:07d}"
            g_head = self.head_group.get(i)
            is_head = g_head is not None

            # --- incorporation / dissolution
            if is_head:
                inc = D1950 + rng.randrange(_ORD(date(2010, 1, 1)) - D1950)
            elif rand() < 0.08:
                inc = D1950 + rng.randrange(D1990 - D1950)
            else:
                inc = D1990 + int((D_INC_END - D1990) * rand() ** 0.85)
            inc_a[i] = inc
            diss = 0
            if not is_head and inc < D2022_END - 365 and rand() < 0.02:
                lo = max(inc + 365, D2006)
                diss = lo + rng.randrange(max(1, D_END - 30 - lo))
                dissolved[i] = 1

            # --- company owners
            owners: list[tuple[int, bool]] = []  # (index, is_person); persons filled later
            group = -1
            if is_head:
                group = g_head
                k = 0 if rand() < 0.4 else rng.choice((1, 1, 2, 3))
                person_slots = k
            else:
                k = self.in_degree.pick(rng)
                person_slots = 0
                for s in range(k):
                    r = rand()
                    if r < (0.5 if s == 0 else 0.2):
                        got = self._pick_group_owner(i)
                        if got is None:
                            c = self._pick_any_owner(i)
                        else:
                            c, g = got
                            if group < 0:
                                group = g
                    elif r < (0.72 if s == 0 else 0.45):
                        c = self._pick_any_owner(i)
                    else:
                        person_slots += 1
                        continue
                    if c and all(o != c for o, _ in owners):
                        owners.append((c, False))

            # --- jurisdiction
            foreign = False
            if is_head:
                j = self.head_juris.pick(rng)
                self.group_home[g_head] = j
            elif group >= 0 and rand() < 0.55:
                j = self.group_home[group]
            elif owners and rand() < 0.3:
                j = codes[jur[owners[0][0]]]
            else:
                j = self.company_juris.pick(rng)
            jur[i] = jidx[j]

            # --- person owners
            for _ in range(person_slots):
                p = self._pick_person(j)
                if all(not (o == p and isp) for o, isp in owners):
                    owners.append((p, True))

            # --- tags, operations
            tag = ""
            if j == "JP":
                r = rand()
                tag = "crypto-exchange" if r < 0.004 else "crypto-miner" if r < 0.008 else ""
            elif j == "RU":
                tag = "crypto-mining" if rand() < 0.006 else ""
            elif j in ("SG", "HK") and rand() < 0.002:
                tag = "crypto-exchange"
            ops: list[str] = []
            if tag == "crypto-miner" and rand() < 0.5:
                ops = ["RU"] if rand() < 0.7 else ["KZ", "RU"]
            elif rand() < 0.12:
                if rand() < 0.25:
                    ops.append("RU")
                for _ in range(rng.choice((1, 1, 2))):
                    c = self.ops_countries.pick(rng)
                    if c != j and c not in ops:
                        ops.append(c)
                ops.sort()

            # --- name, address, registration number
            if group >= 0 and not is_head and rand() < 0.5:
                brand, native = self.group_brand[group], None
                foreign = j != self.group_home[group]
                if not foreign or rand() < 0.8:
                    brand = self._sub_brand(brand, j)
            else:
                brand, native = self.brand(j)
            if is_head:
                self.group_brand[g_head] = brand
            name, aliases = self.company_name(j, brand, native, is_head, tag, foreign)
            rate = AGENT_RATE.get(j, AGENT_RATE_DEFAULT)
            at_agent = not is_head and rand() < rate
            if at_agent:
                addrs, z = self.agents[j]
                address = addrs[z.pick(rng)]
            else:
                address = self.address(j)
            inc_date = date.fromordinal(inc)
            w_ent(
                (
                    cid,
                    "company",
                    name,
                    j,
                    self.reg.make(rng, j, inc_date),
                    inc_date.isoformat(),
                    _iso(diss) if diss else "",
                    address,
                    ";".join(ops),
                    tag,
                    ";".join(aliases),
                )
            )
            counts["entities.csv"] += 1

            # --- ownership rows into i
            end_cap = diss - 1 if diss else D_END
            if diss:  # a dissolved company's owners must have existed before it was wound up
                owners = [(o, isp) for o, isp in owners if isp or inc_a[o] < end_cap]
            d = 0
            if owners:
                # owners are ordered group company, other companies, persons: the first ones
                # take the larger shares
                shares = self._split(len(owners))
                room = 10000
                used = {(o, isp) for o, isp in owners}
                for (o, isp), h in zip(owners, shares, strict=True):
                    lo = inc if isp else max(inc, inc_a[o])
                    start = self._start(lo, end_cap)
                    # ~3.5 %: a previous owner held this stake until `start`
                    if rand() < 0.035 and start - 30 > max(lo, D2005):
                        prev = self._previous_owner(i, j)
                        if prev is not None and prev not in used:
                            po, pisp = prev
                            plo = inc if pisp else max(inc, inc_a[po])
                            if start - 30 > max(plo, D2005):
                                used.add(prev)
                                self._edge(
                                    w_own,
                                    f"p{po:07d}" if pisp else f"c{po:07d}",
                                    cid,
                                    h,
                                    self._start(plo, start - 30),
                                    start,
                                )
                                n_own += 1
                                if not pisp:
                                    d = max(d, depth[po] + 1)
                    self._edge(w_own, f"p{o:07d}" if isp else f"c{o:07d}", cid, h, start, diss)
                    n_own += 1
                    room -= h
                    if not isp:
                        d = max(d, depth[o] + 1)
                        if not parent[i] and not diss:
                            parent[i] = o
                # rare data-quality excess: a stale extra holder pushing the sum over 100 %
                if rand() < 0.003:
                    p = self._pick_person(j)
                    if (p, True) not in used:
                        h = rng.choice((1000, 2000, 2500, 3000))
                        self._edge(
                            w_own,
                            f"p{p:07d}",
                            cid,
                            h,
                            self._start(inc, end_cap),
                            diss,
                            banded=False,
                        )
                        n_own += 1
                        room -= h
                headroom[i] = max(0, room)
            depth[i] = min(d, 255)
            if group >= 0 and not is_head:
                self.members[group].append(i)

            # --- a few ownership cycles (i buys into one of its own ancestors)
            if parent[i] and not diss and self.in_cycle < 0.001 * i and rand() < 0.3:
                n_own += self._cycle(w_own, i, cid)

            # --- officers
            k_off = rng.choice((1, 1, 1, 2) if at_agent else (0, 0, 1, 1, 1, 1, 1, 1, 1, 2, 3))
            if is_head:
                k_off += 2
            chosen: list[int] = []
            person_owners = [o for o, isp in owners if isp]
            for s in range(k_off):
                if s == 0 and (at_agent and rand() < 0.85 or rand() < 0.01):
                    p = self.nominees[self.nominee_zipf.pick(rng)]
                elif person_owners and rand() < 0.4:
                    p = rng.choice(person_owners)
                else:
                    p = self._pick_person(j, tycoons=False)
                if p in chosen:
                    continue
                chosen.append(p)
                role = self._role(j, s)
                ostart = inc if rand() < 0.5 else inc + rng.randrange(max(1, D_END - inc))
                oend = ""
                if diss:
                    ostart = min(ostart, diss - 1)
                    oend = _iso(diss)
                elif rand() < 0.1 and D_END - ostart > 60:
                    oend = _iso(ostart + 30 + rng.randrange(D_END - ostart - 30))
                w_off((f"p{p:07d}", cid, role, _iso(ostart), oend))
                n_off += 1

            # --- sanctions
            if j in ("RU", "BY"):
                ps = 0.15 if is_head else 0.022
            else:
                ps = 0.0015
            if tag:
                ps = 0.08
            if rand() < ps:
                self._sanction(w_san, cid, j, tag)

        counts["ownership.csv"] += n_own
        counts["officers.csv"] += n_off

    def _split(self, k: int) -> list[int]:
        rng = self.rng
        if k in self.splits:
            return list(self.splits[k].pick(rng))
        if rng.random() < 0.5:
            base = 10000 // k
            out = [base] * k
            out[0] += 10000 - base * k
            return out
        total = 10000 if rng.random() < 0.7 else rng.randrange(6000, 10000)
        ws = sorted((rng.random() + 0.1 for _ in range(k)), reverse=True)
        sw = sum(ws)
        out = [max(1, int(w / sw * total)) for w in ws]
        return out

    def _previous_owner(self, i: int, j: str) -> tuple[int, bool] | None:
        if self.rng.random() < 0.5:
            c = self._pick_any_owner(i)
            return (c, False) if c else None
        return self._pick_person(j), True

    def _edge(
        self, w, owner_id: str, owned_id: str, h: int, start: int, end: int, banded: bool = True
    ) -> None:
        if banded and self.rng.random() < 0.10:
            for lo, hi in BANDS:  # noqa: B007 - the matching band is used after the loop
                if h > lo:
                    break
            else:
                lo, hi = 1000, 2500
                if h <= 1000:
                    w(
                        (
                            owner_id,
                            owned_id,
                            _fmt_share(h),
                            "",
                            "",
                            _iso(start),
                            _iso(end) if end else "",
                        )
                    )
                    return
            w(
                (
                    owner_id,
                    owned_id,
                    "",
                    _fmt_share(lo),
                    _fmt_share(hi),
                    _iso(start),
                    _iso(end) if end else "",
                )
            )
            return
        w((owner_id, owned_id, _fmt_share(h), "", "", _iso(start), _iso(end) if end else ""))

    def _cycle(self, w, i: int, cid: str) -> int:
        """Make i own an ancestor 1–4 levels up, closing a cycle; returns rows written."""
        rng = self.rng
        parent, headroom, inc_a = self.parent, self.headroom, self.inc
        chain = []
        c = parent[i]
        while c and len(chain) < 4:
            chain.append(c)
            c = parent[c]
        want = rng.choice((1, 2, 2, 2, 3, 3, 4))
        for length in sorted(range(1, len(chain) + 1), key=lambda x: (abs(x - want), x)):
            t = chain[length - 1]
            if headroom[t] >= 100 and t != i:
                h = min(headroom[t], rng.choice((100, 200, 300, 500, 1000, 1500, 2000)))
                headroom[t] -= h
                start = self._start(max(inc_a[i], inc_a[t]), D_END)
                w((cid, f"c{t:07d}", _fmt_share(h), "", "", _iso(start), ""))
                self.in_cycle += length + 1
                return 1
        return 0

    @staticmethod
    def _role(j: str, s: int) -> str:
        if s == 0:
            if j == "JP":
                return "representative-director"
            if j in ("RU", "BY", "KZ"):
                return "general-director"
            return "director"
        if j in ("GB", "SG", "HK", "CY", "MT", "VG") and s == 1:
            return "secretary"
        return "director" if s < 3 else "chairman"

    def _sanction(self, w, eid: str, j: str, tag: str) -> None:
        rng = self.rng
        russia = j in ("RU", "BY") or (tag != "" and rng.random() < 0.7)
        n_auth = rng.choice((1, 1, 1, 2, 2, 3, 4)) if russia else 1
        auths = list(AUTHORITIES) if russia else ["OFAC", "OFAC", "OFAC", "EU", "UK"]
        chosen: list[str] = []
        while len(chosen) < n_auth:
            a = rng.choice(auths)
            if a not in chosen:
                chosen.append(a)
        y = rng.random()
        if russia:
            base = (
                D2014 + rng.randrange(365)
                if y < 0.15
                else D2014 + 365 + rng.randrange(D2022 - D2014 - 365)
                if y < 0.3
                else D2022 + rng.randrange(D_END - D2022 + 1)
            )
        else:
            base = D2014 + rng.randrange(D_END - D2014 + 1)
        for a in chosen:
            day = min(D_END, max(D2014, base + rng.randrange(-60, 120)))
            year = date.fromordinal(day).year
            if a == "OFAC":
                if tag and rng.random() < 0.5:
                    prog = "CYBER2"
                elif russia:
                    prog = "RUSSIA-EO14024" if year >= 2021 else rng.choice(OFAC_UKRAINE)
                else:
                    prog = rng.choice(OFAC_OTHER)
            elif a == "EU":
                prog = "RUSSIA (Reg. 269/2014)" if russia else rng.choice(EU_OTHER)
            elif a == "UK":
                prog = "Russia" if russia else rng.choice(UK_OTHER)
            else:
                prog = "Russia/Ukraine" if russia else "Terrorism"
            delisted = ""
            if rng.random() < 0.03 and D_END - day > 200:
                delisted = _iso(day + 180 + rng.randrange(D_END - day - 180))
            w((eid, a, prog, _iso(day), delisted))
            self.counts["sanctions.csv"] += 1

    def _persons(self, ent, san) -> None:
        rng = self.rng
        codes, nat = self.juris_codes, self.person_nat
        w_ent = ent.writerow
        for p in range(1, self.persons + 1):
            j = codes[nat[p]]
            name, aliases = self.person_name(j)
            pid = f"p{p:07d}"
            w_ent((pid, "person", name, j, "", "", "", "", "", "", ";".join(aliases)))
            ps = 0.022 if j in ("RU", "BY") else 0.001
            if rng.random() < ps:
                self._sanction(san.writerow, pid, j, "")
        self.counts["entities.csv"] += self.persons


def generate(out_dir: Path, companies: int, seed: int = 42) -> dict[str, int]:
    """Write a synthetic registry-CSV dataset into out_dir; return data rows per file."""
    return _Gen(companies, seed).run(Path(out_dir))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m bench.generate", description=(__doc__ or "").split("\n\n")[0]
    )
    ap.add_argument("--companies", type=int, required=True, help="number of companies")
    ap.add_argument("--out", type=Path, required=True, help="output folder")
    ap.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
    args = ap.parse_args(argv)
    if args.companies < 1:
        ap.error("--companies must be at least 1")
    t0 = time.perf_counter()
    counts = generate(args.out, args.companies, args.seed)
    dt = time.perf_counter() - t0
    for f, c in counts.items():
        print(f"{f}: {c} rows")
    print(f"written to {args.out} in {dt:.1f}s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
