"""Composable pieces for the JSON extraction suite: people, orders and the texts about them.

Every entity pool (names, companies, cities, products, nicknames) is split into
an eval part and a train part that share nothing, so the demo fine-tune never
sees an eval name. Texts are written by a dozen and a half hand-written style
functions (bios, chat messages, signatures, forms, invoices, pick lists, phone
notes ...), each with its own phrasing choices, so no two suites are one
template with the names swapped. A record's JSON is built from exactly the
facts its text states; everything else is null.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

# --------------------------------------------------------------------------- pools
# fmt: off
# (first name, gender) and last names, grouped so that composed names are plausible.
# gender only picks pronouns: "f" she, "m" he, "n" they.
REGIONS: list[tuple[list[tuple[str, str]], list[str]]] = [
    (
        [("Emma", "f"), ("Oliver", "m"), ("Grace", "f"), ("Liam", "m"), ("Harriet", "f"),
         ("Callum", "m"), ("Nora", "f"), ("Declan", "m"), ("Ruby", "f"), ("Theo", "m"),
         ("Isla", "f"), ("Rowan", "n")],
        ["Whitfield", "Brennan", "Ashworth", "Caldwell", "Pemberton", "Hargreaves",
         "Doyle", "Fairbanks", "Merriweather", "Thornton", "Sutherland", "Blackwood"],
    ),
    (
        [("José", "m"), ("María", "f"), ("Lucía", "f"), ("Andrés", "m"), ("Inês", "f"),
         ("João", "m"), ("Beatriz", "f"), ("Tomás", "m"), ("Camila", "f"), ("Rodrigo", "m"),
         ("Ximena", "f"), ("Joaquín", "m")],
        ["García", "Ortega", "Núñez", "Fernández", "Gonçalves", "Peña", "Ibáñez",
         "Cardoso", "Álvarez", "Muñoz", "Serrano", "Araújo"],
    ),
    (
        [("Łukasz", "m"), ("Agnieszka", "f"), ("Wojciech", "m"), ("Małgorzata", "f"),
         ("Jiří", "m"), ("Zuzana", "f"), ("Tomasz", "m"), ("Kateřina", "f"), ("Bogdan", "m"),
         ("Olena", "f"), ("Milan", "m"), ("Ivana", "f")],
        ["Łukasiewicz", "Dvořák", "Kowalczyk", "Nowak", "Procházka", "Horváth",
         "Wójcik", "Kovalenko", "Szabó", "Marković", "Kravets", "Novák"],
    ),
    (
        [("Søren", "m"), ("Åsa", "f"), ("Björn", "m"), ("Ingrid", "f"), ("Jürgen", "m"),
         ("Anneliese", "f"), ("Mats", "m"), ("Sigrún", "f"), ("Henrik", "m"), ("Frauke", "f"),
         ("Kai", "n"), ("Liv", "f")],
        ["Øvergaard", "Lindqvist", "Müller", "Schröder", "Halvorsen", "Bergström",
         "Kästner", "Engström", "Sørensen", "Vogel", "Aaltonen", "Brandt"],
    ),
    (
        [("Zoë", "f"), ("Amélie", "f"), ("Benoît", "m"), ("Hélène", "f"), ("Giulia", "f"),
         ("Matteo", "m"), ("Chiara", "f"), ("Lorenzo", "m"), ("Céline", "f"), ("Raphaël", "m"),
         ("Noé", "m"), ("Elodie", "f")],
        ["Lefèvre", "Moreau", "Rossi", "Bianchi", "Dubois", "Esposito", "Laurent",
         "Ferrari", "Giraud", "Mancini", "Rousseau", "Conti"],
    ),
    (
        [("Chidi", "m"), ("Ngozi", "f"), ("Kwame", "m"), ("Ama", "f"), ("Amara", "f"),
         ("Tendai", "n"), ("Wanjiru", "f"), ("Babajide", "m"), ("Zanele", "f"), ("Tafari", "m"),
         ("Kofi", "m"), ("Nia", "f")],
        ["Okonkwo", "Mensah", "Adeyemi", "Kamau", "Nkosi", "Boateng", "Eze", "Achieng",
         "Diallo", "Ndlovu", "Owusu", "Mwangi"],
    ),
    (
        [("Priya", "f"), ("Arjun", "m"), ("Ananya", "f"), ("Rohan", "m"), ("Meera", "f"),
         ("Vikram", "m"), ("Sana", "f"), ("Imran", "m"), ("Kavya", "f"), ("Aditya", "m"),
         ("Farah", "f"), ("Dev", "m")],
        ["Sharma", "Iyer", "Reddy", "Banerjee", "Chaudhry", "Nair", "Kapoor", "Mehta",
         "Qureshi", "Pillai", "Desai", "Rao"],
    ),
    (
        [("Yuki", "f"), ("Haruto", "m"), ("Hana", "f"), ("Ren", "n"), ("Sakura", "f"),
         ("Kenta", "m")],
        ["Tanaka", "Nakamura", "Kobayashi", "Watanabe", "Ito", "Yamada"],
    ),
    (
        [("Mei", "f"), ("Wei", "m"), ("Jun", "n"), ("Lin", "f"), ("Hao", "m"), ("Xiu", "f")],
        ["Chen", "Liu", "Huang", "Zhao", "Wu", "Zhou"],
    ),
    (
        [("Seo-yeon", "f"), ("Jae-won", "m"), ("Min-ji", "f"), ("Dong-hyun", "m"),
         ("Ha-eun", "f"), ("Ji-ho", "n")],
        ["Park", "Choi", "Lim", "Kang", "Yoon", "Jung"],
    ),
    (
        [("Minh", "m"), ("Linh", "f"), ("Thảo", "f"), ("Quang", "m"), ("Hương", "f"),
         ("Bảo", "n")],
        ["Nguyễn", "Trần", "Phạm", "Lê", "Vũ", "Đặng"],
    ),
    (
        [("Leila", "f"), ("Omar", "m"), ("Yasmin", "f"), ("Karim", "m"), ("Elif", "f"),
         ("Emre", "m"), ("Dalia", "f"), ("Tariq", "m"), ("Nour", "f"), ("Cem", "m"),
         ("Rania", "f"), ("Yusuf", "m")],
        ["Haddad", "Yılmaz", "Khalil", "Nasser", "Aydın", "Farouk", "Demir", "Saleh",
         "Öztürk", "Mansour", "Karaca", "Aziz"],
    ),
]

# Whole names written in their own script (family name first), with an ASCII e-mail handle.
WHOLE_NAMES: list[tuple[str, str, str]] = [
    ("田中花子", "hanako.tanaka", "f"),
    ("王芳", "wang.fang", "f"),
    ("李伟", "li.wei", "m"),
    ("김민준", "minjun.kim", "m"),
    ("박서연", "seoyeon.park", "f"),
    ("佐藤健", "ken.sato", "m"),
    ("陈静", "chen.jing", "f"),
    ("이지은", "jieun.lee", "f"),
    ("山本大輔", "daisuke.yamamoto", "m"),
    ("张明", "zhang.ming", "m"),
    ("최유나", "yuna.choi", "f"),
    ("鈴木葵", "aoi.suzuki", "f"),
]

NICKNAMES = [
    "Zo", "Bix", "Lulu", "Doc", "Kit", "Sunny", "Tam", "Red", "Bea", "Mac", "Jojo", "Pip",
    "Sparky", "Nico", "Dede", "Mo", "Tito", "Fifi", "Ace", "Lolo", "Bubba", "Izzy", "Gigi",
    "Rocco", "Tash", "Wren", "Moss", "Cookie", "Bru", "Kiki",
]

OCCUPATIONS = [
    "nurse", "software engineer", "pastry chef", "civil engineer", "chemistry teacher",
    "marine biologist", "freelance translator", "bus driver", "architect", "data analyst",
    "veterinarian", "electrician", "UX designer", "librarian", "airline pilot", "journalist",
    "carpenter", "physiotherapist", "accountant", "sommelier", "urban planner",
    "tattoo artist", "wind-turbine technician", "museum curator", "paramedic",
    "graphic designer", "beekeeper", "jazz pianist", "dentist", "midwife", "photographer",
    "structural engineer", "barista", "lawyer", "economist", "florist", "game developer",
    "sound engineer", "park ranger", "bookbinder", "cardiologist", "primary-school teacher",
    "logistics coordinator", "product manager", "watchmaker", "stage manager",
    "ceramic artist", "court interpreter",
]

# (city, country): spelled as the text writes them; a few in their own script.
CITIES: list[tuple[str, str]] = [
    ("Lisbon", "Portugal"), ("Kraków", "Poland"), ("São Paulo", "Brazil"),
    ("Zürich", "Switzerland"), ("Reykjavík", "Iceland"), ("Malmö", "Sweden"),
    ("Düsseldorf", "Germany"), ("Montréal", "Canada"), ("Nairobi", "Kenya"),
    ("Lagos", "Nigeria"), ("Accra", "Ghana"), ("Pune", "India"), ("Chennai", "India"),
    ("Osaka", "Japan"), ("Busan", "South Korea"), ("Hanoi", "Vietnam"),
    ("Melbourne", "Australia"), ("Auckland", "New Zealand"), ("Edinburgh", "United Kingdom"),
    ("Leeds", "United Kingdom"), ("Austin", "United States"), ("Portland", "United States"),
    ("Valparaíso", "Chile"), ("Medellín", "Colombia"), ("Bogotá", "Colombia"),
    ("Oaxaca", "Mexico"), ("Tromsø", "Norway"), ("Gdańsk", "Poland"), ("Brno", "Czechia"),
    ("Istanbul", "Turkey"), ("Marrakesh", "Morocco"), ("Cape Town", "South Africa"),
    ("Lyon", "France"), ("Bologna", "Italy"), ("Ghent", "Belgium"), ("Utrecht", "Netherlands"),
    ("Tallinn", "Estonia"), ("Tbilisi", "Georgia"), ("Cork", "Ireland"),
    ("Québec City", "Canada"), ("東京", "日本"), ("北京", "中国"), ("서울", "대한민국"),
    ("大阪", "日本"), ("上海", "中国"), ("Αθήνα", "Ελλάδα"), ("Kyiv", "Ukraine"),
    ("Windhoek", "Namibia"), ("Kigali", "Rwanda"), ("Ljubljana", "Slovenia"),
    ("Porto", "Portugal"), ("Gothenburg", "Sweden"),
]

# Countries that take "the" after "in".
THE_COUNTRIES = {"United Kingdom", "United States", "Netherlands"}

COMPANIES = [
    "Nordlicht GmbH", "Café Lumière", "Bluefin Analytics Ltd", "Kōbō Ceramics",
    "Harbour & Pine Co.", "Tanaka Shōten", "Greenleaf Grocers", "Atelier Brodé",
    "Red Kite Studios", "Verdant Roofing LLC", "Østfold Bikes AS", "Mercado Solar S.A.",
    "Pixel Orchard", "Bright Lantern Books", "Casa Añil", "Stonebridge Dental",
    "Little Fox Nursery", "Quayside Coffee Roasters", "Hoàng Gia Textiles", "Ironbark Tools",
    "Sólvangur Guesthouse", "Maple & Moss Florists", "Cedar Lane Bakery", "Polar Byte Oy",
    "Kestrel Logistics", "Amber Coast Hotels", "Moreno Hermanos", "Sunflower Yoga Studio",
    "Zhōng Tea House", "Blue Heron Outfitters", "Alpenrose Käserei", "Riverside Makerspace",
    "Orbit Print Works", "Lotus Pond Spa", "Thistle & Rye Pub", "Cobalt Marine Supply",
]

# (product, sku, typical price in euro cents); prices in other currencies are scaled from it.
PRODUCTS: list[tuple[str, str, int]] = [
    ("USB-C cable", "CB-1102", 1200), ("ceramic mug", "MUG-330", 1400),
    ("wireless mouse", "MS-4471", 2900), ("notebook A5 dotted", "NB-A5D", 900),
    ("espresso beans 1 kg", "COF-1KG", 2400), ("bamboo cutting board", "BB-220", 2200),
    ("LED desk lamp", "LMP-900", 4500), ("yoga mat", "YM-06", 3500),
    ("stainless water bottle", "WB-750", 2500), ("mechanical keyboard", "KB-204", 12000),
    ("linen tea towel", "TT-LIN", 800), ("fountain pen", "FP-12", 3800),
    ("hiking socks", "SK-HK3", 1600), ("phone stand", "PS-015", 1500),
    ("cast-iron skillet", "SKL-26", 5500), ("watercolour set", "WC-24", 2800),
    ("noise-cancelling headphones", "HP-NC7", 24900), ("wool beanie", "BN-WL2", 1900),
    ("bike light set", "BL-SET", 3200), ("HDMI adapter", "AD-HDMI", 1800),
    ("olive oil 500 ml", "OIL-500", 1100), ("printer paper ream", "PP-A4R", 600),
    ("scented candle", "CDL-LAV", 1700), ("plant pot 20 cm", "PT-20", 1300),
    ("laptop sleeve 14in", "SLV-14", 2700), ("matcha tin", "MT-40", 2100),
    ("rain jacket", "RJ-M2", 11000), ("leather wallet", "WL-BRN", 4900),
    ("board game", "BG-CAT", 3900), ("soldering iron", "SI-60W", 3400),
    ("screwdriver set", "SD-32", 2600), ("sourdough starter kit", "SDK-01", 2300),
    ("whiteboard markers", "WM-8C", 700), ("chef's knife", "KN-CH8", 8500),
    ("travel adapter", "TA-UNI", 2400), ("baby blanket", "BBK-CT", 3300),
    ("dog leash", "DL-150", 1800), ("puzzle 1000 pieces", "PZ-1000", 2200),
    ("reading glasses", "RG-150", 1500), ("honey jar", "HN-350", 900),
    ("SD card 128 GB", "SD-128", 1900), ("garden gloves", "GG-M", 1200),
    ("tote bag", "TB-CAN", 1000), ("desk fan", "DF-30", 4200),
    ("e-reader", "ER-6", 13900), ("espresso machine", "EM-15", 38900),
]

NOTES = [
    "gift wrap please", "leave the parcel with the concierge", "deliver after 5 pm",
    "no plastic packaging", "fragile glassware inside", "call on arrival",
    "invoice to the accounts team", "ring the side door bell", "deliver on a weekday only",
    "do not include the receipt", "use the loading dock entrance", "birthday present for Mia",
    "keep refrigerated", "leave behind the green gate", "send tracking by text",
    "combine with the previous shipment",
]

# code -> symbol (None: the text writes the code)
CURRENCIES: list[tuple[str, str | None]] = [
    ("EUR", "€"), ("GBP", "£"), ("USD", "US$"), ("INR", "₹"), ("JPY", None), ("CHF", None),
    ("SEK", None), ("CAD", "CA$"), ("AUD", "A$"), ("PLN", None), ("BRL", "R$"),
]

# Rough value of one euro in each currency, to keep prices plausible.
EURO_RATE = {
    "EUR": 1.0, "GBP": 0.85, "USD": 1.1, "INR": 90.0, "JPY": 160.0, "CHF": 0.95, "SEK": 11.5,
    "CAD": 1.5, "AUD": 1.65, "PLN": 4.3, "BRL": 5.5,
}

MONTHS = [
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
]

ONES = [
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
    "nineteen",
]
TENS = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]

PERSON_INSTRUCTIONS = [
    "Extract the person record from the text below. Reply with JSON only.",
    "Extract the person described below as a JSON object. Reply with the JSON only.",
    "Read the text and return the person record as JSON, nothing else.",
    "Turn the following text into a person record. Output only the JSON object.",
    "Pull the person's details out of this text as a JSON person record. No explanation.",
    "Person record, please: extract it from the text below and answer with JSON only.",
    "From the message below, extract a person record. Respond with a single JSON object and nothing else.",
    "Fill in the person record from this text. Reply with JSON only; use null for anything not stated.",
]

ORDER_INSTRUCTIONS = [
    "Extract the order record from the text below. Reply with JSON only.",
    "Extract the order described below as a JSON object. Reply with the JSON only.",
    "Read the text and return the order record as JSON, nothing else.",
    "Turn the following text into an order record. Output only the JSON object.",
    "Pull the order details out of this text as a JSON order record. No explanation.",
    "Order record, please: extract it from the text below and answer with JSON only.",
    "From the message below, extract an order record. Respond with a single JSON object and nothing else.",
    "Fill in the order record from this text. Reply with JSON only; use null for anything not stated.",
]


# fmt: on


# --------------------------------------------------------------------------- helpers
def ascii_fold(text: str) -> str:
    """Lowercase ASCII for e-mail handles: Zoë Łukasiewicz -> zoe lukasiewicz."""
    table = str.maketrans(
        {"ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "ß": "ss", "æ": "ae", "ı": "i", "đ": "d", "Đ": "D"}
    )
    text = unicodedata.normalize("NFKD", text.translate(table))
    return "".join(c for c in text if not unicodedata.combining(c)).lower()


def words(n: int) -> str:
    """English words for 0..99."""
    if n < 20:
        return ONES[n]
    tens, ones = divmod(n, 10)
    return TENS[tens] + ("" if ones == 0 else "-" + ONES[ones])


def art(noun: str) -> str:
    """'a nurse', 'an architect', 'a UX designer'."""
    vowel = noun[0].lower() in "aeiou" and not noun.startswith(("UX", "uni", "Euro"))
    return ("an " if vowel else "a ") + noun


def age_adj(age: int) -> str:
    """'a 34-year-old', 'an 18-year-old'."""
    an = age in (8, 11, 18) or 80 <= age <= 89
    return f"{'an' if an else 'a'} {age}-year-old"


def join_and(items: Sequence[str], word: str = "and") -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + f" {word} " + items[-1]


def cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def json_number(cents: int) -> int | float:
    """An amount in hundredths as the JSON number a person would write: 1250 -> 12.5."""
    return cents // 100 if cents % 100 == 0 else round(cents / 100, 2)


# --------------------------------------------------------------------------- people
@dataclass
class Person:
    name: str
    first: str | None
    last: str | None
    handle: str
    gender: str
    age: int | None = None
    occupation: str | None = None
    emails: list[str] = field(default_factory=list)
    phone: str | None = None
    city: str | None = None
    country: str | None = None
    nickname: str | None = None
    flags: list[str] = field(default_factory=list)

    # pronoun helpers
    @property
    def subj(self) -> str:
        return {"f": "she", "m": "he", "n": "they"}[self.gender]

    @property
    def obj(self) -> str:
        return {"f": "her", "m": "him", "n": "them"}[self.gender]

    @property
    def poss(self) -> str:
        return {"f": "her", "m": "his", "n": "their"}[self.gender]

    @property
    def refl(self) -> str:
        return {"f": "herself", "m": "himself", "n": "themself"}[self.gender]

    def v(self, singular: str, plural: str) -> str:
        """Verb form agreeing with the pronoun: v('lives', 'live')."""
        return plural if self.gender == "n" else singular

    @property
    def is_(self) -> str:
        return self.v("is", "are")

    @property
    def subj_is(self) -> str:
        return {"f": "she's", "m": "he's", "n": "they're"}[self.gender]

    def loc(self) -> str | None:
        if self.city and self.country:
            return f"{self.city}, {self.country}"
        return self.city or self.country

    def loc_in(self) -> str | None:
        if self.city:
            return "in " + self.loc()  # type: ignore[operator]
        if self.country:
            the = "the " if self.country in THE_COUNTRIES else ""
            return f"in {the}{self.country}"
        return None

    def record(self) -> dict[str, Any]:
        rec: dict[str, Any] = {
            "name": self.name,
            "age": self.age,
            "occupation": self.occupation,
            "emails": list(self.emails),
            "phone": self.phone,
            "address": {"city": self.city, "country": self.country},
        }
        if self.nickname is not None:
            rec["nickname"] = self.nickname
        return rec


def s_bio(p: Person, rng: random.Random) -> str:
    lead = p.name
    if p.nickname:
        lead += rng.choice(
            [f' (known to friends as "{p.nickname}")', f", better known as {p.nickname},"]
        )
    if p.age is not None and p.occupation:
        pred = f"is {age_adj(p.age)} {p.occupation}"
    elif p.occupation:
        pred = f"works as {art(p.occupation)}"
    elif p.age is not None:
        pred = f"is {p.age} years old"
    else:
        pred = rng.choice(
            ["joined the residents' association last spring", "volunteers at the local food bank"]
        )
    place = p.loc_in()
    if place:
        pred += rng.choice([f" living {place}", f" based {place}", f" who lives {place}"])
    out = [f"{lead} {pred}."]
    if p.occupation and rng.random() < 0.4:
        years = rng.randint(2, 9)
        out.append(f"{cap(p.subj)} {p.v('has', 'have')} been doing the job for {years} years.")
        p.flags.append("distractor")
    bits = []
    if p.emails:
        bits.append("by email at " + join_and(p.emails, "or"))
    if p.phone:
        bits.append(f"by phone on {p.phone}")
    if bits:
        out.append(f"{cap(p.subj)} can be reached {' or '.join(bits)}.")
    return " ".join(out)


def s_chat(p: Person, rng: random.Random) -> str:
    greet = rng.choice(["hey all!", "Hi everyone 👋", "hello!!", "heyy 🙂", "Hi there,", "yo!"])
    s = f"{greet} I'm {p.name}"
    if p.nickname:
        s += rng.choice([f" but pls call me {p.nickname}", f" ({p.nickname} for short)"])
    if p.age is not None:
        s += rng.choice([f", {p.age} y/o", f" ({p.age})", f" and I just turned {p.age}"])
    s += "."
    if p.occupation:
        s += rng.choice(
            [
                f" I work as {art(p.occupation)}",
                f" Day job: {p.occupation}",
                f" I'm {art(p.occupation)}",
            ]
        )
        place = p.loc_in()
        s += f" {place}." if place else "."
    elif p.loc():
        s += rng.choice([f" Living {p.loc_in()} these days.", f" Greetings from {p.loc()}!"])
    if p.emails and p.phone:
        s += f" Text me on {p.phone} or email {join_and(p.emails, 'or')}."
    elif p.emails:
        s += rng.choice([f" Email: {p.emails[0]}", f" drop me a line at {p.emails[0]}"])
        if len(p.emails) > 1:
            s += f" (or {join_and(p.emails[1:], 'or')})"
        s += "."
    elif p.phone:
        s += f" WhatsApp {p.phone} 📱"
    return s


def s_signature(p: Person, rng: random.Random) -> str:
    if p.age is not None:
        body = rng.choice(
            [
                f"Quick note for the registration form: I am {p.age}, not {p.age + 1} as printed on the badge.",
                f"As a {p.age}-year-old first-time applicant I was not sure which form applied, so I filled in both.",
                f"P.S. I'm {p.age} now, so the youth discount no longer applies!",
            ]
        )
        if "not" in body:
            p.flags.append("distractor")
    else:
        body = rng.choice(
            [
                "Thanks again for your help with the venue booking.",
                "Looking forward to our call next week.",
                "Please find the signed form attached.",
                "Let me know if Thursday still works for you.",
            ]
        )
    lines = [body, "", rng.choice(["Best regards,", "Kind regards,", "Cheers,", "Warmly,"])]
    name_line = p.name
    if p.nickname:
        name_line += f' ("{p.nickname}")'
    lines.append(name_line)
    if p.occupation:
        p.occupation = cap(p.occupation)
        lines.append(p.occupation)
    if p.phone:
        lines.append(rng.choice(["Tel: ", "M: ", "Mobile: ", "Phone "]) + p.phone)
    lines.extend(p.emails)
    if p.loc():
        lines.append(p.loc())  # type: ignore[arg-type]
    return "\n".join(lines)


def s_hr_note(p: Person, rng: random.Random) -> str:
    missing = rng.choice(["n/a", "not given", "unknown", "-", None])
    label = rng.choice(["New starter", "Onboarding", "Staff record", "New volunteer"])

    def field_(name: str, value: str | None) -> str | None:
        if value is None:
            return None if missing is None else f"{name}: {missing}"
        return f"{name}: {value}"

    parts = [
        f"{label}: {p.name}",
        field_("nickname", p.nickname) if p.nickname else None,
        field_("age", None if p.age is None else str(p.age)),
        field_("role", p.occupation),
        field_("email", ", ".join(p.emails) if p.emails else None),
        field_("phone", p.phone),
        field_("office", p.loc()),
    ]
    return "; ".join(x for x in parts if x) + "."


def s_form(p: Person, rng: random.Random) -> str:
    empty = rng.choice(["", "-", "(none)", "N/A"])
    lines = [rng.choice(["Full name: ", "Name: "]) + p.name]
    if p.nickname:
        lines.append(f"Preferred name: {p.nickname}")
    lines.append("Age: " + (str(p.age) if p.age is not None else empty))
    lines.append("E-mail: " + (", ".join(p.emails) if p.emails else empty))
    lines.append("Phone: " + (p.phone or empty))
    lines.append("City: " + (p.city or empty))
    lines.append("Country: " + (p.country or empty))
    if p.occupation:
        msg = rng.choice(
            [
                f"I'm {art(p.occupation)} and would like to join the Saturday pottery class.",
                f"Working as {art(p.occupation)}, I'm interested in your evening Spanish course.",
                f"Occupation: {p.occupation}. Please add me to the waiting list.",
            ]
        )
    else:
        msg = rng.choice(["Please send me the brochure.", "Is there still space in June?"])
    lines.append("Message: " + msg)
    return "\n".join(line.rstrip() for line in lines)


def s_news(p: Person, rng: random.Random) -> str:
    placed = False
    if p.occupation and p.city and not p.country and rng.random() < 0.7:
        lead = f"{p.city}-based {p.occupation} {p.name}"
        placed = True
    elif p.occupation:
        lead = f"{cap(p.occupation)} {p.name}"
    else:
        lead = p.name
    if p.nickname:
        lead += f' (nicknamed "{p.nickname}")'
    if p.age is not None:
        lead += f", {p.age},"
    if p.loc() and not placed:
        place = p.loc_in()
        assert place is not None
        lead += f" of {place.removeprefix('in ')},"
    deed = rng.choice(
        [
            "has won this year's regional award for community service",
            "has opened a small repair café in a former bus depot",
            "finished a 600 km charity cycle on Sunday",
            "was named volunteer of the year at the city library",
        ]
    )
    if "600" in deed:
        p.flags.append("distractor")
    out = [f"{lead} {deed}."]
    if p.emails:
        out.append(f"Readers can contact {p.obj} at {join_and(p.emails, 'or')}.")
    if p.phone:
        out.append(f"{cap(p.subj)} can be reached on {p.phone}.")
    return " ".join(out)


def s_referral(p: Person, rng: random.Random) -> str:
    rel = rng.choice(["cousin", "old flatmate", "neighbour", "colleague", "friend from uni"])
    s = f"You should talk to my {rel} {p.name}"
    if p.nickname:
        s += f" (we all call {p.obj} {p.nickname})"
    if p.occupation:
        s += f" - {p.subj_is} {art(p.occupation)}"
        place = p.loc_in()
        if place:
            s += " " + place
    elif p.loc():
        s += f" - {p.subj} {p.v('lives', 'live')} {p.loc_in()}"
    s += "."
    if p.age is not None:
        s += f" {cap(p.subj_is)} only {p.age} but knows everyone."
    if p.phone:
        s += f" {cap(p.poss)} number is {p.phone}"
        s += f", email {join_and(p.emails)}." if p.emails else "."
    elif p.emails:
        s += f" {cap(p.poss)} email is {join_and(p.emails)}."
    return s


def s_meeting(p: Person, rng: random.Random) -> str:
    where = rng.choice(
        ["trade fair day 2", "Tuesday's meetup", "the harbour conference", "site visit"]
    )
    s = f"Notes, {where}: met {p.name}"
    if p.occupation:
        s += f", {art(p.occupation)}"
    if p.loc():
        s += f" from {p.loc()}"
    if p.age is not None:
        s += f" ({p.age})"
    s += "."
    if p.nickname:
        s += f" Introduced {p.refl} as {p.nickname}."
    contacts = [*p.emails] + ([p.phone] if p.phone else [])
    if contacts:
        s += f" Swapped details: {', '.join(contacts)}."
    else:
        s += " No card, will look for them online."
    return s


def s_voicemail(p: Person, rng: random.Random) -> str:
    s = f'Voicemail transcript: "Hi, this is {p.name}'
    if p.nickname:
        s += f", everyone calls me {p.nickname}"
    s += "."
    if p.occupation:
        s += f" I'm {art(p.occupation)}"
        s += f" {p.loc_in()}" if p.loc() else ""
        s += " calling about the flat."
    elif p.loc():
        s += f" I'm calling from {p.loc()} about the flat."
    else:
        s += " I'm calling about the flat."
    if p.age is not None:
        s += f" For your form, I'm {p.age}."
    if p.phone:
        s += f" Call me back on {p.phone}"
        s += f" or email {join_and(p.emails, 'or')}." if p.emails else "."
    elif p.emails:
        s += f" Best to email me at {join_and(p.emails, 'or')}."
    else:
        s += " I'll try again tomorrow."
    return s + ' Thanks!"'


def s_speaker(p: Person, rng: random.Random) -> str:
    s = f"Our next speaker, {p.name}"
    if p.age is not None:
        s += f" ({p.age})"
    if p.occupation:
        s += f", is {art(p.occupation)}"
        if p.loc():
            s += f" who joins us from {p.loc()}"
    elif p.loc():
        s += f", joins us from {p.loc()}"
    else:
        s += ", needs no introduction"
    s += "."
    if p.nickname:
        s += f" Backstage everyone calls {p.obj} {p.nickname}."
    if p.emails or p.phone:
        bits = list(p.emails) + ([p.phone] if p.phone else [])
        s += f" Questions after the talk go to {join_and(bits, 'or')}."
    return s


def s_application(p: Person, rng: random.Random) -> str:
    s = f"Rental application received from {p.name}"
    if p.age is not None:
        s += f" (age {p.age})"
    if p.occupation:
        s += f", employed as {art(p.occupation)}"
    if p.loc():
        s += f", currently living {p.loc_in()}"
    s += "."
    if p.nickname:
        s += f' Signs messages as "{p.nickname}".'
    if p.emails and p.phone:
        s += f" Preferred contact: {p.emails[0]}, backup {p.phone}."
        if len(p.emails) > 1:
            s += f" Also listed: {join_and(p.emails[1:])}."
    elif p.emails:
        s += f" Preferred contact: {join_and(p.emails)}."
    elif p.phone:
        s += f" Preferred contact: phone, {p.phone}."
    else:
        s += " No contact details on the form."
    return s


def s_letter(p: Person, rng: random.Random) -> str:
    s = rng.choice(["Dear Sir or Madam,", "To whom it may concern,", "Dear hiring committee,"])
    s += f" my name is {p.name}"
    if p.age is not None:
        s += f" and I am {words(p.age)} years old"
        p.flags.append("spelled-number")
    s += "."
    if p.occupation:
        s += f" I work as {art(p.occupation)}"
        s += f" and live {p.loc_in()}." if p.loc() else "."
    elif p.loc():
        s += f" I live {p.loc_in()}."
    if p.nickname:
        s += f" Friends call me {p.nickname}."
    if p.emails:
        s += f" You can write to me at {join_and(p.emails, 'or')}"
        s += f" or call {p.phone}." if p.phone else "."
    elif p.phone:
        s += f" Please call me on {p.phone}."
    return s


def s_registry(p: Person, rng: random.Random) -> str:
    assert p.first and p.last
    parts = [f"Registry entry - {p.last.upper()}, {p.first}."]
    p.flags.append("name-order")
    if p.nickname:
        parts.append(f"Alias: {p.nickname}.")
    if p.age is not None:
        parts.append(f"Age {p.age}.")
    if p.occupation:
        parts.append(f"Profession: {p.occupation}.")
    if p.city or p.country:
        parts.append(f"Residence: {p.loc()}.")
    if p.emails:
        parts.append(f"Email: {' / '.join(p.emails)}.")
    if p.phone:
        parts.append(f"Tel. {p.phone}.")
    return " ".join(parts)


def s_newsletter(p: Person, rng: random.Random) -> str:
    club = rng.choice(["the rowing club", "our choir", "the chess circle", "the allotment society"])
    s = f"Club news: a warm welcome to the newest member of {club}, {p.name}!"
    facts = []
    if p.age is not None:
        facts.append(f"{p.is_} {p.age}")
    if p.occupation:
        facts.append(f"{p.v('works', 'work')} as {art(p.occupation)}")
    if p.loc():
        facts.append(f"{p.v('moved', 'moved')} here from {p.loc()}")
    if facts:
        s += f" {cap(p.subj)} {join_and(facts)}."
    if p.nickname:
        s += f" Shout {p.nickname} if you see {p.obj} at practice."
    if p.emails:
        s += f" Say hello at {join_and(p.emails, 'or')}."
    if p.phone:
        s += f" Lift-share number: {p.phone}."
    return s


def s_team(p: Person, rng: random.Random) -> str:
    s = f"Meet the team - {p.name}"
    if p.nickname:
        s += f' "{p.nickname}"'
    bits = []
    if p.occupation:
        bits.append(cap(p.occupation))
    if p.age is not None:
        bits.append(f"{p.age} years young")
    if bits:
        s += ": " + ", ".join(bits)
    s += "."
    if p.loc():
        s += f" Works remotely {p.loc_in()}."
    if p.emails:
        s += f" Say hi at {join_and(p.emails, 'or')}"
        s += f" or ring {p.phone}." if p.phone else "."
    elif p.phone:
        s += f" Direct line {p.phone}."
    if p.occupation:
        p.occupation = cap(p.occupation)
    return s


def s_ticket(p: Person, rng: random.Random) -> str:
    num = rng.randint(1000, 9999)
    contact = f" ({join_and(p.emails)})" if p.emails else ""
    s = f"Ticket #{num} opened by {p.name}{contact}: "
    p.flags.append("distractor")
    complaint = "my parcel never arrived"
    if p.city:
        complaint += f" in {p.city}"
        if p.country:
            complaint += f", {p.country}"
    elif p.country:
        the = "the " if p.country in THE_COUNTRIES else ""
        complaint += f" in {the}{p.country}"
    s += f'"{cap(complaint)}.'
    if p.occupation:
        s += f" I'm {art(p.occupation)} and needed it for work."
    if p.age is not None:
        s += f" I'm {p.age} and have never had this problem before."
    if p.nickname:
        s += f" - {p.nickname}"
    s += '"'
    if p.phone:
        s += f" Callback number: {p.phone}."
    return s


PERSON_STYLES: list[tuple[str, Callable[[Person, random.Random], str]]] = [
    ("bio", s_bio),
    ("chat", s_chat),
    ("signature", s_signature),
    ("hr-note", s_hr_note),
    ("form", s_form),
    ("news", s_news),
    ("referral", s_referral),
    ("meeting-note", s_meeting),
    ("voicemail", s_voicemail),
    ("speaker-intro", s_speaker),
    ("application", s_application),
    ("letter", s_letter),
    ("registry", s_registry),
    ("newsletter", s_newsletter),
    ("team-page", s_team),
    ("support-ticket", s_ticket),
]


COUNTRY_CODES = {
    "Portugal": 351,
    "Poland": 48,
    "Brazil": 55,
    "Switzerland": 41,
    "Iceland": 354,
    "Sweden": 46,
    "Germany": 49,
    "Canada": 1,
    "Kenya": 254,
    "Nigeria": 234,
    "Ghana": 233,
    "India": 91,
    "Japan": 81,
    "South Korea": 82,
    "Vietnam": 84,
    "Australia": 61,
    "New Zealand": 64,
    "United Kingdom": 44,
    "United States": 1,
    "Chile": 56,
    "Colombia": 57,
    "Mexico": 52,
    "Norway": 47,
    "Czechia": 420,
    "Turkey": 90,
    "Morocco": 212,
    "South Africa": 27,
    "France": 33,
    "Italy": 39,
    "Belgium": 32,
    "Netherlands": 31,
    "Estonia": 372,
    "Georgia": 995,
    "Ireland": 353,
    "日本": 81,
    "中国": 86,
    "대한민국": 82,
    "Ελλάδα": 30,
    "Ukraine": 380,
    "Namibia": 264,
    "Rwanda": 250,
    "Slovenia": 386,
}


def phone_number(rng: random.Random, country: str | None) -> str:
    """A made-up number, written the way people in that country tend to write it."""

    def d(n: int) -> str:
        return str(rng.randint(1, 9)) + "".join(str(rng.randint(0, 9)) for _ in range(n - 1))

    special = {
        "United Kingdom": lambda: f"+44 20 7946 0{rng.randint(100, 999)}",
        "United States": lambda: (
            f"+1 {rng.choice(['512', '503', '212', '415'])} 555 01{rng.randint(10, 99)}"
        ),
        "Canada": lambda: f"({rng.choice(['514', '418'])}) 555-01{rng.randint(10, 99)}",
        "Australia": lambda: f"0491 570 {rng.randint(110, 159)}",
        "Brazil": lambda: f"+55 11 9{d(4)}-{d(4)}",
        "日本": lambda: f"090-{d(4)}-{d(4)}",
        "France": lambda: f"+33 4 {d(2)} {d(2)} {d(2)} {d(2)}",
    }
    if country in special:
        return special[country]()
    if country in COUNTRY_CODES:
        code = COUNTRY_CODES[country]
        forms: list[Callable[[], str]] = [
            lambda: f"+{code} {d(2)} {d(3)} {d(4)}",
            lambda: f"+{code} {d(3)} {d(3)} {d(3)}",
            lambda: f"+{code}-{d(2)}-{d(3)}-{d(4)}",
            lambda: f"00{code} {d(3)} {d(6)}",
        ]
        return rng.choice(forms)()
    local: list[Callable[[], str]] = [lambda: f"0{d(3)} {d(6)}", lambda: f"{d(3)}-{d(4)}"]
    return rng.choice(local)()


DOMAINS = [
    "example.com",
    "example.org",
    "example.net",
    "mail.example.com",
    "post.example",
    "inbox.example.net",
    "studio.example",
    "uni.example.edu",
]


def email_for(handle: str, rng: random.Random, k: int) -> str:
    first, _, last = handle.partition(" ")
    last = last.replace(" ", "").replace("-", "") or "x"
    first = first.replace("-", "")
    forms = [
        f"{first}.{last}",
        f"{first}{last}",
        f"{first[0]}.{last}",
        f"{first}_{last}{rng.randint(1, 99)}",
        f"{last}.{first}",
        first,
    ]
    local = forms[(rng.randrange(len(forms)) + k) % len(forms)]
    return f"{local}@{rng.choice(DOMAINS)}"


# --------------------------------------------------------------------------- orders
@dataclass
class Item:
    product: str
    sku: str
    qty: int
    cents: int


@dataclass
class Order:
    order_id: str
    customer: str
    date: dt.date | None
    items: list[Item]
    currency: str | None
    symbol: str | None
    total_stated: bool
    city: str | None
    country: str | None
    notes: str | None
    money_mode: str = "code"
    flags: list[str] = field(default_factory=list)

    @property
    def total_cents(self) -> int:
        return sum(i.qty * i.cents for i in self.items)

    def loc(self) -> str | None:
        if self.city and self.country:
            return f"{self.city}, {self.country}"
        return self.city or self.country

    def money(self, cents: int) -> str:
        whole = cents % 100 == 0 and cents < 100_000 and self.money_mode != "code"
        if self.currency == "JPY" or whole:
            amount = f"{cents // 100:,}"
        else:
            amount = f"{cents // 100:,}.{cents % 100:02d}"
        if "," in amount:
            self.flags.append("thousands")
        if self.currency is None:
            return amount
        if self.money_mode == "symbol" and self.symbol:
            return f"{self.symbol}{amount}"
        if self.money_mode == "suffix":
            return f"{amount} {self.currency}"
        return f"{self.currency} {amount}"

    def date_text(self, rng: random.Random) -> str:
        d = self.date
        assert d is not None
        forms = [
            lambda: f"{MONTHS[d.month - 1]} {d.day}, {d.year}",
            lambda: f"{d.day} {MONTHS[d.month - 1]} {d.year}",
            lambda: f"{MONTHS[d.month - 1][:3]} {d.day}, {d.year}",
            lambda: f"{d.year}/{d.month:02d}/{d.day:02d}",
            lambda: d.isoformat(),
        ]
        if d.day > 12:
            forms.append(lambda: f"{d.day:02d}.{d.month:02d}.{d.year}")
        text = rng.choice(forms)()
        if text != d.isoformat():
            self.flags.append("date-format")
        return text

    def qty_text(self, qty: int, rng: random.Random, spelled: bool) -> str:
        if spelled and qty <= 12:
            self.flags.append("spelled-number")
            return ONES[qty] if qty < 20 else words(qty)
        return str(qty)

    def record(self) -> dict[str, Any]:
        rec: dict[str, Any] = {
            "order_id": self.order_id,
            "customer": self.customer,
            "date": None if self.date is None else self.date.isoformat(),
            "items": [
                {"sku": i.sku, "quantity": i.qty, "unit_price": json_number(i.cents)}
                for i in self.items
            ],
            "currency": self.currency,
            "total": json_number(self.total_cents) if self.total_stated else None,
            "ship_to": {"city": self.city, "country": self.country},
        }
        if self.notes is not None:
            rec["notes"] = self.notes
        return rec


def o_invoice(o: Order, rng: random.Random) -> str:
    lines = [f"INVOICE {o.order_id}"]
    if o.date:
        lines.append(f"Date: {o.date_text(rng)}")
    lines.append(f"Bill to: {o.customer}")
    if o.loc():
        lines.append(f"Ship to: {o.loc()}")
    for i in o.items:
        lines.append(f"{i.qty} x {i.product} [{i.sku}] @ {o.money(i.cents)}")
    if o.total_stated:
        lines.append(f"TOTAL {o.money(o.total_cents)}")
    if o.notes:
        lines.append(f"Note: {o.notes}")
    return "\n".join(lines)


def o_email(o: Order, rng: random.Random) -> str:
    items = [
        f"{i.product} (SKU {i.sku}), {o.qty_text(i.qty, rng, True)} at {o.money(i.cents)} each"
        for i in o.items
    ]
    s = f"Subject: Order {o.order_id}\n\nHello from {o.customer}. "
    if o.date:
        s += f"I'd like to confirm the order we placed on {o.date_text(rng)}: "
    else:
        s += "I'd like to confirm our order: "
    s += join_and(items) + "."
    if o.total_stated:
        s += f" That makes {o.money(o.total_cents)} in total."
    if o.loc():
        s += f" Please ship it to {o.loc()}."
    if o.notes:
        s += f" Special instructions: {o.notes}."
    return s


def o_chat(o: Order, rng: random.Random) -> str:
    emoji = rng.choice(["🛒", "📦", "🙌", "✅", ""])
    s = f"new order {o.order_id} from {o.customer} {emoji}".rstrip() + ": "
    s += ", ".join(f"{i.qty}x {i.sku} @ {o.money(i.cents)}" for i in o.items)
    if o.date:
        s += f", placed {o.date_text(rng)}"
    if o.total_stated:
        s += f", total {o.money(o.total_cents)}"
    if o.city:
        s += f" - ship to {o.loc()} pls"
    elif o.country:
        s += f" - goes to {o.country}"
    if o.notes:
        s += f" (note: {o.notes})"
    return s


def o_notification(o: Order, rng: random.Random) -> str:
    s = f"Thank you for shopping with us, {o.customer}! Your order #{o.order_id}"
    if o.date:
        s += f" from {o.date_text(rng)}"
    s += " contains: "
    s += "; ".join(f"{i.product} ({i.sku}) x{i.qty} at {o.money(i.cents)}" for i in o.items)
    s += "."
    if o.total_stated:
        s += f" Order total: {o.money(o.total_cents)}."
    if o.loc():
        s += f" We'll ship it to {o.loc()}."
    if o.notes:
        s += f" Your note: {o.notes}."
    return s


def o_picklist(o: Order, rng: random.Random) -> str:
    lines = [f"PICK LIST - order {o.order_id} / customer: {o.customer}"]
    if o.date:
        lines[0] += f" / ordered {o.date_text(rng)}"
    for i in o.items:
        lines.append(f"- {i.sku} ×{i.qty} ({o.money(i.cents)} ea.)")
    if o.total_stated:
        lines.append(f"Value: {o.money(o.total_cents)}")
    if o.loc():
        lines.append(f"Deliver to: {o.loc()}")
    if o.notes:
        lines.append(f"Handling: {o.notes}")
    return "\n".join(lines)


def o_phone(o: Order, rng: random.Random) -> str:
    s = "Phone order"
    if o.date:
        s += f" taken {o.date_text(rng)}"
    items = [
        f"{o.qty_text(i.qty, rng, True)} unit{'s' if i.qty > 1 else ''} of {i.sku} ({i.product}) at {o.money(i.cents)} apiece"
        for i in o.items
    ]
    s += f": {o.customer} ordered {join_and(items)}. Reference {o.order_id}."
    if o.total_stated:
        s += f" Read back the total of {o.money(o.total_cents)}."
    if o.loc():
        s += f" Shipping to {o.loc()}."
    if o.notes:
        s += f" Caller asked: {o.notes}."
    return s


def o_receipt(o: Order, rng: random.Random) -> str:
    parts = [o.order_id, o.customer]
    if o.date:
        parts.append(o.date_text(rng))
    parts.append("; ".join(f"{i.sku} x{i.qty} @ {o.money(i.cents)}" for i in o.items))
    if o.total_stated:
        parts.append(f"total {o.money(o.total_cents)}")
    if o.loc():
        parts.append(f"ship {o.loc()}")
    if o.notes:
        parts.append(f"note: {o.notes}")
    return " | ".join(parts)


def o_po(o: Order, rng: random.Random) -> str:
    s = f"Purchase order {o.order_id} from {o.customer}"
    if o.date:
        s += f", dated {o.date_text(rng)}"
    s += ". Please supply "
    s += join_and(
        [f"{i.product} ({i.sku}), quantity {i.qty}, unit price {o.money(i.cents)}" for i in o.items]
    )
    s += "."
    if o.total_stated:
        s += f" Order value {o.money(o.total_cents)}."
    if o.loc():
        s += f" Deliver to our site in {o.loc()}."
    if o.notes:
        s += f" Note: {o.notes}."
    return s


def o_market(o: Order, rng: random.Random) -> str:
    s = "Hi! I'd like to buy "
    s += join_and(
        [
            f"your {i.product} ({i.sku}) at {o.money(i.cents)}, qty {o.qty_text(i.qty, rng, True)}"
            for i in o.items
        ]
    )
    s += f" - please put it under order {o.order_id}. Name: {o.customer}."
    if o.date:
        s += f" Paid on {o.date_text(rng)}."
    if o.total_stated:
        s += f" I sent {o.money(o.total_cents)} in total."
    if o.loc():
        s += f" Address is in {o.loc()}."
    if o.notes:
        s += f" Oh and {o.notes} 🙏"
        o.flags.append("emoji")
    return s


ORDER_STYLES: list[tuple[str, Callable[[Order, random.Random], str]]] = [
    ("invoice", o_invoice),
    ("email", o_email),
    ("chat", o_chat),
    ("notification", o_notification),
    ("pick-list", o_picklist),
    ("phone-note", o_phone),
    ("receipt", o_receipt),
    ("purchase-order", o_po),
    ("marketplace", o_market),
]


# --------------------------------------------------------------------------- pools per split
def split_pool(items: Sequence[Any], part: str, offset: int = 0) -> list[Any]:
    """Every third item (by position) goes to eval, the rest to train: disjoint by construction."""
    keep_eval = part == "eval"
    return [x for i, x in enumerate(items) if ((i + offset) % 3 == 0) == keep_eval]


@dataclass
class Pools:
    names: list[tuple[str, str | None, str | None, str, str]]  # name, first, last, handle, gender
    companies: list[str]
    cities: list[tuple[str, str]]
    products: list[tuple[str, str, int]]
    nicknames: list[str]
    notes: list[str]


def pools_for(part: str) -> Pools:
    names: list[tuple[str, str | None, str | None, str, str]] = []
    for firsts, lasts in REGIONS:
        for first, gender in split_pool(firsts, part, 0):
            for last in split_pool(lasts, part, 1):
                handle = f"{ascii_fold(first)} {ascii_fold(last)}"
                names.append((f"{first} {last}", first, last, handle, gender))
    for whole, handle, gender in split_pool(WHOLE_NAMES, part):
        names.append((whole, None, None, handle.replace(".", " "), gender))
    return Pools(
        names=names,
        companies=split_pool(COMPANIES, part),
        cities=split_pool(CITIES, part, 2),
        products=split_pool(PRODUCTS, part),
        nicknames=split_pool(NICKNAMES, part),
        notes=list(NOTES),
    )


def make_person(pools: Pools, rng: random.Random, used: set[str]) -> Person:
    while True:
        name, first, last, handle, gender = rng.choice(pools.names)
        if name not in used:
            used.add(name)
            break
    p = Person(name=name, first=first, last=last, handle=handle, gender=gender)
    if rng.random() < 0.8:
        p.occupation = rng.choice(OCCUPATIONS)
    if rng.random() < 0.75:
        p.age = rng.randint(24, 66) if p.occupation else rng.randint(19, 88)
    n_email = rng.choices([0, 1, 2], weights=[30, 55, 15])[0]
    p.emails = [email_for(handle, rng, k) for k in range(n_email)]
    if n_email == 2 and p.emails[0] == p.emails[1]:
        p.emails = p.emails[:1]
    city, country = rng.choice(pools.cities)
    where = rng.choices(["both", "city", "country", "none"], weights=[55, 15, 10, 20])[0]
    if where in ("both", "city"):
        p.city = city
    if where in ("both", "country"):
        p.country = country
    if rng.random() < 0.5:
        p.phone = phone_number(rng, country if where != "none" else None)
    if rng.random() < 0.17:
        p.nickname = rng.choice(pools.nicknames)
    return p


ORDER_ID_FORMS: list[Callable[[random.Random, int], str]] = [
    lambda r, s: f"ORD-{s}{r.randint(1000, 9999)}",
    lambda r, s: f"A{s}{r.randint(100, 999)}-{r.choice('BCDFGHKMNPRT')}{r.choice('XYZQW')}",
    lambda r, s: f"PO-{r.choice([2023, 2024, 2025])}-{s}{r.randint(10, 99)}",
    lambda r, s: f"{s}{r.randint(10000, 99999)}",
    lambda r, s: f"INV-{s}{r.randint(100, 999)}",
    lambda r, s: f"SO{s}{r.randint(1000, 9999)}",
    lambda r, s: f"WEB-{s}{r.randint(100, 999)}{r.choice('ABCDEFGH')}",
]


def make_order(pools: Pools, rng: random.Random, used: set[str], series: str) -> Order:
    while True:
        order_id = rng.choice(ORDER_ID_FORMS)(rng, int(rng.choice(series)))
        if order_id not in used:
            used.add(order_id)
            break
    customer = rng.choice(pools.companies) if rng.random() < 0.5 else rng.choice(pools.names)[0]
    date = None
    if rng.random() < 0.72:
        date = dt.date(2023, 1, 1) + dt.timedelta(days=rng.randrange(3 * 365))
    n_items = rng.choices([1, 2, 3, 4], weights=[35, 35, 20, 10])[0]
    products = rng.sample(pools.products, n_items)
    currency: str | None
    currency, symbol = rng.choice(CURRENCIES)
    if rng.random() < 0.2:
        currency, symbol = None, None
    items = []
    for product, sku, base in products:
        qty = rng.choices([1, 2, 3, 4, 5, 6, 10, 12, 24], weights=[30, 22, 14, 8, 7, 5, 6, 5, 3])[0]
        amount = base / 100 * EURO_RATE.get(currency or "EUR", 1.0) * rng.uniform(0.8, 1.25)
        if currency == "JPY":
            cents = int(round(amount, -1)) * 100
        elif currency == "INR":
            cents = round(amount) * 100
        else:
            cents = max(1, int(amount)) * 100 + rng.choice([0, 0, 99, 95, 50, 49])
        items.append(Item(product, sku, qty, cents))
    city, country = rng.choice(pools.cities)
    where = rng.choices(["both", "city", "country", "none"], weights=[50, 15, 5, 30])[0]
    return Order(
        order_id=order_id,
        customer=customer,
        date=date,
        items=items,
        currency=currency,
        symbol=symbol,
        total_stated=rng.random() < 0.65,
        city=city if where in ("both", "city") else None,
        country=country if where in ("both", "country") else None,
        notes=rng.choice(pools.notes) if rng.random() < 0.22 else None,
        money_mode=rng.choice(["symbol", "code", "suffix"])
        if symbol
        else rng.choice(["code", "suffix"]),
    )


# --------------------------------------------------------------------------- examples
def compact(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False)


def user_message(instruction: str, text: str, rng: random.Random) -> str:
    layout = rng.choices(["before", "after", "quoted"], weights=[70, 15, 15])[0]
    if layout == "before":
        return f"{instruction}\n\n{text}"
    if layout == "after":
        return f"{text}\n\n{instruction}"
    return f'{instruction}\n\nText:\n"""\n{text}\n"""'


def person_tags(p: Person, rec: dict[str, Any], text: str, style: str) -> list[str]:
    tags = ["person", style]
    if any(v is None for v in rec.values()) or None in rec["address"].values():
        tags.append("null-field")
    if any(v is not None for v in rec["address"].values()):
        tags.append("nested")
    if len(p.emails) >= 2:
        tags.append("array")
    elif not p.emails:
        tags.append("empty-array")
    tags.append("optional-present" if p.nickname else "optional-missing")
    if any(ord(c) > 127 for c in text):
        tags.append("unicode")
    if any(ord(c) >= 0x1F300 for c in text):
        tags.append("emoji")
    if p.age is not None:
        tags.append("numbers")
    tags.extend(f for f in dict.fromkeys(p.flags) if f not in tags)
    return tags


def order_tags(o: Order, rec: dict[str, Any], text: str, style: str) -> list[str]:
    tags = ["order", style, "numbers"]
    if any(v is None for v in rec.values()) or None in rec["ship_to"].values():
        tags.append("null-field")
    if any(v is not None for v in rec["ship_to"].values()):
        tags.append("nested")
    if len(o.items) >= 2:
        tags.append("array")
    tags.append("optional-present" if o.notes else "optional-missing")
    if any(ord(c) > 127 for c in text):
        tags.append("unicode")
    if any(ord(c) >= 0x1F300 for c in text):
        tags.append("emoji")
    tags.extend(f for f in dict.fromkeys(o.flags) if f not in tags)
    return tags


def build_extraction(
    part: str, n_person: int, n_order: int, schema_dir: str, id_prefix: str, seed: int
) -> list[dict[str, Any]]:
    """All extraction examples for one split, people and orders interleaved, in a stable order."""
    rng = random.Random(seed)
    pools = pools_for(part)
    series = "789" if part == "eval" else "123456"
    used_names: set[str] = set()
    used_ids: set[str] = set()

    def styles_cycle(styles: Sequence[Any], n: int) -> list[Any]:
        out: list[Any] = []
        while len(out) < n:
            batch = list(styles)
            rng.shuffle(batch)
            out.extend(batch)
        return out[:n]

    people = []
    for k, (style, fn) in enumerate(styles_cycle(PERSON_STYLES, n_person), start=1):
        p = make_person(pools, rng, used_names)
        if style == "registry" and p.first is None:
            style, fn = "bio", s_bio
        text = fn(p, rng)
        rec = p.record()
        instruction = rng.choice(PERSON_INSTRUCTIONS)
        people.append(
            {
                "id": f"{id_prefix}person-{k:03d}",
                "messages": [
                    {"role": "user", "content": user_message(instruction, text, rng)},
                    {"role": "assistant", "content": compact(rec)},
                ],
                "expect": {"schema": f"{schema_dir}/person.json"},
                "tags": person_tags(p, rec, text, style),
            }
        )
    orders = []
    for k, (style, fn) in enumerate(styles_cycle(ORDER_STYLES, n_order), start=1):
        o = make_order(pools, rng, used_ids, series)
        text = fn(o, rng)
        rec = o.record()
        instruction = rng.choice(ORDER_INSTRUCTIONS)
        orders.append(
            {
                "id": f"{id_prefix}order-{k:03d}",
                "messages": [
                    {"role": "user", "content": user_message(instruction, text, rng)},
                    {"role": "assistant", "content": compact(rec)},
                ],
                "expect": {"schema": f"{schema_dir}/order.json"},
                "tags": order_tags(o, rec, text, style),
            }
        )
    # Interleave deterministically so a file read top-down mixes both record types.
    merged = people + orders
    rng.shuffle(merged)
    return merged
