"""Extraction examples whose layouts and instructions never occur in the training set.

Tagged ``unseen-template``: the eval suite's measure of generalisation. The
texts are free-form and noisy, as real inboxes are: e-mail replies with
quoted earlier messages and signatures, scribbled notes, order confirmations
written as prose, typos in the chatter around the facts (never in the facts
themselves, so the reference record stays exactly what the text states). The
instructions and the way the prompt wraps the text are drawn from lists that
share nothing with ``pieces.PERSON_INSTRUCTIONS`` / ``ORDER_INSTRUCTIONS``
or ``pieces.user_message``; ``tests/test_golden_files.py`` checks it on
the JSONL files.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

from .pieces import (
    Order,
    Person,
    Pools,
    art,
    compact,
    join_and,
    make_order,
    make_person,
    order_tags,
    person_tags,
    pools_for,
)

UNSEEN_TAG = "unseen-template"

PERSON_ASKS = [
    "Can you turn this into our contact-card JSON? Schema fields only, null where the text is silent.",
    "I need the contact details below as a structured person object (JSON). Skip any commentary.",
    "Please convert the message into the person JSON we use for the CRM - just the object.",
    "Who is this? Give me their details as a person JSON object, no prose around it.",
    "Parse the contact info in here into person JSON. Nothing but the JSON, please.",
    "Make a person entry (JSON) out of the note. Leave unknown fields as null and don't explain.",
]

ORDER_ASKS = [
    "Can you turn this into our order JSON? Schema fields only, null where the text is silent.",
    "I need the purchase below as a structured order object (JSON). Skip any commentary.",
    "Please convert the message into the order JSON our warehouse system takes - just the object.",
    "What was bought here? Give me the order as a JSON object, no prose around it.",
    "Parse the order info in here into order JSON. Nothing but the JSON, please.",
]


def wrap(ask: str, text: str, rng: random.Random) -> str:
    """Prompt layouts the training set never uses."""
    layout = rng.choice(["tags", "task-input", "fenced", "forward"])
    if layout == "tags":
        return f"<document>\n{text}\n</document>\n\n{ask}"
    if layout == "task-input":
        return f"TASK: {ask}\nINPUT:\n{text}"
    if layout == "fenced":
        return f"{ask}\n\n~~~\n{text}\n~~~"
    return f"FYI - {ask}\n\n---------- Forwarded message ----------\n{text}"


# ----------------------------------------------------------------- people
def _person_facts(p: Person, rng: random.Random) -> list[str]:
    """Sentences stating each known fact once, in a chatty voice."""
    facts: list[str] = []
    if p.nickname:
        facts.append(rng.choice([f"Everyone calls me {p.nickname}.", f"I go by {p.nickname}."]))
    if p.age is not None and p.occupation:
        facts.append(f"I'm {p.age} and work as {art(p.occupation)}.")
    elif p.occupation:
        facts.append(f"Work-wise I'm {art(p.occupation)}.")
    elif p.age is not None:
        facts.append(f"For the form: I'm {p.age}.")
    if p.city and p.country:
        facts.append(f"I moved to {p.city}, {p.country} last year.")
    elif p.city:
        facts.append(f"These days I live in {p.city}.")
    elif p.country:
        facts.append(f"I'm based in {p.country} now.")
    return facts


def _contact_lines(p: Person) -> list[str]:
    lines = []
    if p.phone:
        lines.append(f"mob. {p.phone}")
    lines.extend(p.emails)
    return lines


def p_email_reply(p: Person, rng: random.Random) -> str:
    opener = rng.choice(
        [
            "Hi Sam,\n\nsorry for the late reply, last week was crazy.",
            "Hello again,\n\nthanks for chasing, I definately meant to answer sooner.",
            "Hi team,\n\napologies, I only just recieved your message.",
        ]
    )
    body = " ".join(_person_facts(p, rng))
    sign = [rng.choice(["Thx,", "Speak soon,", "All the best,"]), p.name, *_contact_lines(p)]
    quoted = rng.choice(
        [
            "> Could you send us your details for the new member directory?",
            "> We are updating our records - can you confirm your contact info?",
            "> Please reply with the details we should keep on file for you.",
        ]
    )
    when = rng.choice(["On Tue, the office wrote:", "Am Montag schrieb das Sekretariat:"])
    text = f"{opener} {body}\n\n" + "\n".join(sign) + f"\n\n{when}\n{quoted}"
    if rng.random() < 0.5:
        text += "\n> \n> Many thanks,\n> The membership desk"
    return text


def p_scribbled_note(p: Person, rng: random.Random) -> str:
    parts = [f"note to self - spoke w/ {p.name} today re: the volunteer rota"]
    if p.nickname:
        parts.append(f"(goes by {p.nickname})")
    bits = []
    if p.age is not None:
        bits.append(f"age {p.age}")
    if p.occupation:
        bits.append(f"job: {p.occupation}")
    if p.city or p.country:
        bits.append(f"lives {p.loc_in()}")
    if p.phone:
        bits.append(f"ph {p.phone}")
    if p.emails:
        bits.append("email " + " / ".join(p.emails))
    text = " ".join(parts) + ".\n" + "; ".join(bits)
    tail = rng.choice(
        [
            "\ntodo: send the welcom pack tomorow",
            "\n!! double-check the adress before posting anything",
            "\n(wrote this in a hurry, pls excuse the mess)",
        ]
    )
    return text + tail


def p_intro_thread(p: Person, rng: random.Random) -> str:
    lines = [f"Hey! Meet {p.name}, who's joining the book club from next month."]
    details = []
    if p.nickname:
        details.append(f"nickname {p.nickname}")
    if p.age is not None:
        details.append(f"{p.age} years young")
    if p.occupation:
        details.append(f"{art(p.occupation)} by trade")
    if p.city or p.country:
        details.append(f"from {p.loc()}")
    if details:
        lines.append(f"Quick facts: {', '.join(details)}.")
    contact = _contact_lines(p)
    if contact:
        lines.append("Contact: " + ", ".join(contact))
    lines.append(
        rng.choice(
            [
                "Be nice, it's thier first meetup :)",
                "See you all on Thursday -- bring snacks!!",
                "Sent from my phone, excuse typos",
            ]
        )
    )
    return "\n".join(lines)


def p_voice_transcript(p: Person, rng: random.Random) -> str:
    s = f"[auto-transcript, may contain errors] uh hi, this is {p.name}"
    if p.nickname:
        s += f", but you know me as {p.nickname}"
    s += ", um, calling about the appointment."
    if p.age is not None:
        s += f" You asked my age, it's {p.age}."
    if p.occupation:
        s += f" I'm {art(p.occupation)}, so mornings are hard."
    if p.city or p.country:
        s += f" I'm calling from {p.loc()}."
    if p.phone:
        s += f" Call me back on {p.phone}."
    if p.emails:
        s += f" {'Or' if p.phone else 'You can'} email, {join_and(p.emails, 'or')}."
    s += rng.choice([" okay bye.", " thanks, bye bye.", " [end of message]"])
    return s


PERSON_STYLES: list[tuple[str, Callable[[Person, random.Random], str]]] = [
    ("email-reply", p_email_reply),
    ("scribbled-note", p_scribbled_note),
    ("intro-thread", p_intro_thread),
    ("voice-transcript", p_voice_transcript),
]


# ----------------------------------------------------------------- orders
def _item_phrase(o: Order, rng: random.Random) -> str:
    return join_and(
        [
            f"{o.qty_text(i.qty, rng, rng.random() < 0.4)} of the {i.product} (item code {i.sku}) "
            f"for {o.money(i.cents)} each"
            for i in o.items
        ]
    )


def o_confirmation_prose(o: Order, rng: random.Random) -> str:
    s = f"Dear {o.customer},\n\nwe're delighted to let you know that order {o.order_id}"
    s += f" (placed {o.date_text(rng)})" if o.date else ""
    s += f" is confirmed. You asked for {_item_phrase(o, rng)}."
    if o.total_stated:
        s += f" Altogether that comes to {o.money(o.total_cents)}."
    if o.city or o.country:
        s += f" It will travel to {o.loc()}."
    if o.notes:
        s += f' We have noted your request: "{o.notes}".'
    s += rng.choice(
        [
            "\n\nThis mailbox is not monitered; replies will not be read.",
            "\n\nQuestions? Just answer this e-mail and a human will get back to you.",
            "\n\n--\nThe fulfilment crew\nPlease consider the enviroment before printing.",
        ]
    )
    return s


def o_customer_mail(o: Order, rng: random.Random) -> str:
    s = rng.choice(["hiya,", "Good morning!", "Hello shop people,"])
    s += f" this is {o.customer} again. "
    s += f"Our ref is {o.order_id}. " if rng.random() < 0.5 else ""
    s += f"We'd like {_item_phrase(o, rng)}."
    if "Our ref" not in s:
        s += f" Ref for your system: {o.order_id}."
    if o.date:
        s += f" We put it through on {o.date_text(rng)}."
    if o.total_stated:
        s += f" Your site said {o.money(o.total_cents)} total, hope thats right."
    if o.city or o.country:
        s += f" Shipping adress: {o.loc()}."
    if o.notes:
        s += f" And one more thing - {o.notes}."
    quoted = rng.choice(
        [
            "\n\n> Thank you for getting in touch. Please tell us what you would like to order.",
            "\n\n> Re: stock question\n> Yes, we have everything on your list in stock.",
        ]
    )
    return s + "\n\nta," + quoted


def o_delivery_chat(o: Order, rng: random.Random) -> str:
    lines = [
        "[09:14] courier-desk: hi, which order is this about?",
        f"[09:15] {o.customer}: {o.order_id}",
    ]
    lines.append(f"[09:15] {o.customer}: it's {_item_phrase(o, rng)}")
    if o.date:
        lines.append(f"[09:16] {o.customer}: ordered on {o.date_text(rng)}")
    if o.total_stated:
        lines.append(f"[09:16] {o.customer}: paid {o.money(o.total_cents)} in the end")
    if o.city or o.country:
        lines.append(f"[09:17] {o.customer}: destination is {o.loc()}")
    if o.notes:
        lines.append(f"[09:17] {o.customer}: also, {o.notes}")
    lines.append("[09:18] courier-desk: thanks, lemme check the sytem")
    return "\n".join(lines)


ORDER_STYLES: list[tuple[str, Callable[[Order, random.Random], str]]] = [
    ("confirmation-prose", o_confirmation_prose),
    ("customer-mail", o_customer_mail),
    ("delivery-chat", o_delivery_chat),
]


def build_unseen(n_person: int, n_order: int, schema_dir: str, seed: int) -> list[dict[str, Any]]:
    """Eval-only extraction examples in unseen layouts, people and orders interleaved."""
    rng = random.Random(seed)
    pools: Pools = pools_for("eval")
    used_names: set[str] = set()
    used_ids: set[str] = set()
    people = []
    for k in range(1, n_person + 1):
        style, fn = PERSON_STYLES[(k - 1) % len(PERSON_STYLES)]
        p = make_person(pools, rng, used_names)
        text = fn(p, rng)
        rec = p.record()
        people.append(
            {
                "id": f"unseen-person-{k:03d}",
                "messages": [
                    {"role": "user", "content": wrap(rng.choice(PERSON_ASKS), text, rng)},
                    {"role": "assistant", "content": compact(rec)},
                ],
                "expect": {"schema": f"{schema_dir}/person.json"},
                "tags": [UNSEEN_TAG, *person_tags(p, rec, text, style)],
            }
        )
    orders = []
    for k in range(1, n_order + 1):
        style, order_fn = ORDER_STYLES[(k - 1) % len(ORDER_STYLES)]
        o = make_order(pools, rng, used_ids, "789")
        text = order_fn(o, rng)
        rec = o.record()
        orders.append(
            {
                "id": f"unseen-order-{k:03d}",
                "messages": [
                    {"role": "user", "content": wrap(rng.choice(ORDER_ASKS), text, rng)},
                    {"role": "assistant", "content": compact(rec)},
                ],
                "expect": {"schema": f"{schema_dir}/order.json"},
                "tags": [UNSEEN_TAG, *order_tags(o, rec, text, style)],
            }
        )
    merged = people + orders
    rng.shuffle(merged)
    return merged
