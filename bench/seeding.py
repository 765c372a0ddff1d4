"""The scale data of the benchmarks: organisations, contacts, memberships, consultations with
their invitations and answers, and position papers, generated deterministically from a seed.

Rows are written with `bulk_create` in batches, bypassing services, signals and history: this is
data to measure reads against, not a test of the writes. Defaults (scale 1) follow issue 5.
"""

from __future__ import annotations

import datetime
import hashlib
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Model
from django.utils import timezone

BATCH = 2000

ORGANISATIONS = 20_000
PERSONS = 100_000
MEMBERSHIPS = 20_000
CONSULTATIONS = 200
QUESTIONS = 15
INVITATIONS = 300
ANSWERED = 0.6
PAPERS = 50
# The first consultations are open (deadline ahead), the rest closed.
OPEN_CONSULTATIONS = 10

WORDS = ["Šiaurės", "Žalioji", "Ąžuolo", "Ūkio", "Įžvalgų", "Gintaro", "Nemuno", "Baltijos", "Vėjo", "Saulės"]
FIRST_NAMES = ["Rūta", "Jonas", "Eglė", "Tomas", "Aistė", "Mantas", "Ieva", "Darius", "Lina", "Žygimantas"]
LAST_NAMES = ["Kazlauskas", "Jankauskienė", "Petrauskas", "Stankevičiūtė", "Vasiliauskas", "Žukauskaitė"]
KINDS = ["cluster", "cluster", "cluster", "association", "company", "research", "public", "other"]
ROLES = ["coordinator", "director", "board", "representative", "other"]
# The questions of every consultation, in order (15): the answer page has every kind.
QUESTION_KINDS = [
    "short_text",
    "long_text",
    "single_choice",
    "multiple_choice",
    "scale",
    "yes_no",
    "proposals",
    "long_text",
    "single_choice",
    "scale",
    "yes_no",
    "long_text",
    "multiple_choice",
    "short_text",
    "long_text",
]
CHOICES = ["Pritariame", "Pritariame su pastabomis", "Nepritariame"]
PARAGRAPH = (
    "Klasterių asociacija pritaria projekto tikslui, tačiau siūlo patikslinti nuostatas, kurios "
    "lemia inovacijų paramos skirstymą regionuose, ir numatyti aiškius vertinimo kriterijus, "
    "kad smulkusis ir vidutinis verslas galėtų dalyvauti lygiomis teisėmis."
)


def bench_token(seed: int, invitation_index: int) -> str:
    """The raw token of the seeded link of an invitation (only its hash is stored)."""
    return f"bench-{seed}-{invitation_index}"


def bench_browser_key(seed: int, invitation_index: int) -> str:
    """The browser key of the seeded link of an invitation: as random-looking as the product's,
    and the same for the same seed."""
    return hashlib.sha256(f"browser-{seed}-{invitation_index}".encode()).hexdigest()[:32]


@dataclass
class Counts:
    organisations: int
    persons: int
    memberships: int
    consultations: int
    invitations: int
    papers: int

    @classmethod
    def at(cls, scale: float) -> Counts:
        def n(value: int, least: int = 1) -> int:
            return max(least, round(value * scale))

        organisations = n(ORGANISATIONS, 10)
        return cls(
            organisations=organisations,
            persons=max(n(PERSONS, 10), organisations),
            memberships=min(n(MEMBERSHIPS), organisations),
            consultations=n(CONSULTATIONS),
            invitations=min(INVITATIONS, organisations),
            papers=n(PAPERS),
        )


@dataclass
class Seeded:
    """What was made, for the benchmarks to find their subjects."""

    counts: Counts
    seed: int
    open_consultation_ids: list[int] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)


class Table:
    """Fast inserts of one model's rows: explicit ids, every column given (defaults filled in once),
    values prepared for the database only for the field types that need it, then `executemany`
    (SQLite) or `COPY` (PostgreSQL).
    Several times faster than `bulk_create`, which prepares every value of every row."""

    SLOW = ("DateTimeField", "DateField", "DecimalField", "JSONField")

    def __init__(self, model: type[Model], rows: dict[str, int]) -> None:
        from django.db import connection

        self.model, self.rows, self.connection = model, rows, connection
        # Generated columns are the database's to write.
        self.fields = [f for f in model._meta.concrete_fields if not f.generated]
        self.names = [f.attname for f in self.fields]
        now = timezone.now()
        self.defaults: dict[str, Any] = {}
        for f in self.fields:
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                self.defaults[f.attname] = now
            else:
                self.defaults[f.attname] = f.get_default()
        self.slow = [i for i, f in enumerate(self.fields) if f.get_internal_type() in self.SLOW]
        self.cache: dict[tuple[int, Any], Any] = {}
        quote = connection.ops.quote_name
        # Table and column names come from the models, never from input.
        self.sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608
            quote(model._meta.db_table),
            ", ".join(quote(f.column) for f in self.fields),
            ", ".join(["%s"] * len(self.fields)),
        )
        self.copy_sql = "COPY {} ({}) FROM STDIN".format(
            quote(model._meta.db_table), ", ".join(quote(f.column) for f in self.fields)
        )
        self.next_id = (model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
        self.pending: list[list[Any]] = []

    def add(self, **values: Any) -> int:
        """Queue one row; returns its id."""
        pk = self.next_id
        self.next_id += 1
        merged = {**self.defaults, **values, "id": pk}
        self.pending.append([merged[name] for name in self.names])
        if len(self.pending) >= BATCH:
            self.flush()
        return pk

    def _prepare(self, index: int, value: Any) -> Any:
        field = self.fields[index]
        if value is None:
            return None
        if isinstance(value, list | dict):
            return field.get_db_prep_save(value, self.connection)
        key = (index, value)
        try:
            return self.cache[key]
        except KeyError:
            prepared = self.cache[key] = field.get_db_prep_save(value, self.connection)
            return prepared

    def flush(self) -> None:
        if not self.pending:
            return
        for row in self.pending:
            for index in self.slow:
                row[index] = self._prepare(index, row[index])
        with self.connection.cursor() as cursor:
            if self.connection.vendor == "postgresql":
                # COPY: several times faster than an INSERT a row on PostgreSQL.
                with cursor.cursor.copy(self.copy_sql) as copy:
                    for row in self.pending:
                        copy.write_row(row)
            else:
                cursor.executemany(self.sql, self.pending)
        label = self.model._meta.label
        self.rows[label] = self.rows.get(label, 0) + len(self.pending)
        self.pending = []
        if len(self.cache) > 50_000:
            self.cache.clear()


def _reset_sequences(models: list[type[Model]]) -> None:
    from django.core.management.color import no_style
    from django.db import connection

    statements = connection.ops.sequence_reset_sql(no_style(), models)
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def settle() -> None:
    """Bring freshly seeded tables to the state the database's own maintenance keeps them in,
    before anything is measured: statistics for the planner (ANALYZE), and on PostgreSQL the
    visibility map and hint bits (VACUUM), which autovacuum sets within a minute or two of a bulk
    load. Measured before that, an index-only scan reads the table row by row (the Consultation
    list's counts: 1.28–1.40× its floor instead of 1.12–1.16×), and autovacuum may start in the
    middle of a run and change its figures. VACUUM cannot run in a transaction: inside one (the
    tests), ANALYZE alone."""
    from django.db import connection

    vacuum = connection.vendor == "postgresql" and not connection.in_atomic_block
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if vacuum else "ANALYZE")


def seed_scale(
    *, scale: float = 1.0, seed: int = 2026, progress: Callable[[str], Any] | None = None
) -> Seeded:
    """Fill an empty database with the benchmark data at `scale` (1 = the issue's defaults)."""
    from django.contrib.auth import get_user_model
    from stdnum.lt import pvm

    from consultations.answers import AnswerValue, ProposalValue, snapshot_entry
    from consultations.models import (
        AccessLink,
        AccessToken,
        Answer,
        Consultation,
        Invitation,
        ProposalRow,
        Question,
        Response,
        ResponseEdit,
        ResponseVersion,
    )
    from crm.models import Affiliation, Membership, Municipality, Organisation, Payment, Person, Sector
    from crm.validators import legal_code_check_digit
    from positions.models import IssuerSettings, PositionPaper

    say = progress or (lambda message: None)
    rng = random.Random(seed)
    counts = Counts.at(scale)
    result = Seeded(counts=counts, seed=seed)
    rows = result.rows
    now = timezone.now()
    sector_ids = list(Sector.objects.values_list("pk", flat=True))
    municipality_ids = list(Municipality.objects.values_list("pk", flat=True))
    if not sector_ids or not municipality_ids:
        raise RuntimeError("Sectors and municipalities are seeded by the crm migrations: migrate first.")
    through = Organisation.sectors.through
    tables = {
        model: Table(model, rows)
        for model in (
            Organisation,
            through,
            Person,
            Affiliation,
            Membership,
            Payment,
            Question,
            Invitation,
            AccessLink,
            AccessToken,
            Response,
            Answer,
            ProposalRow,
            ResponseVersion,
            ResponseEdit,
        )
    }

    def flush() -> None:
        for table in tables.values():
            table.flush()

    with transaction.atomic():
        say(f"organisations: {counts.organisations}")
        org_ids, public = [], []
        for i in range(counts.organisations):
            first_eight = f"{10000000 + i * 7:08d}"
            vat = ""
            if rng.random() < 0.5:
                body = f"{i:07d}1"
                vat = "LT" + body + pvm.calc_check_digit(body)
            label = rng.choice(["none", "none", "bronze", "silver", "gold"])
            kind = rng.choice(KINDS)
            pk = tables[Organisation].add(
                name=f"Klasteris „{rng.choice(WORDS)} {rng.choice(WORDS)}“ {i}",
                short_name=f"K{i}",
                kind=kind,
                legal_code=first_eight + str(legal_code_check_digit(first_eight)),
                vat_code=vat,
                municipality_id=rng.choice(municipality_ids),
                address=f"Gedimino pr. {rng.randrange(1, 99)}, Vilnius",
                website=f"https://klasteris-{i}.lt",
                email=f"info{i}@klasteris-{i}.lt",
                phone=f"+3706{rng.randrange(10**7):07d}",
                year_founded=rng.randrange(1990, 2026),
                members_sme=rng.randrange(80),
                members_large=rng.randrange(10),
                label=label,
                label_awarded_on=datetime.date(2022, 1, 1) if label != "none" else None,
                label_valid_until=datetime.date(2027, 12, 31) if label != "none" else None,
                description="Inovacijos, eksportas ir bendradarbiavimas.",
            )
            org_ids.append(pk)
            if kind == "public":
                public.append(pk)
            for sector in rng.sample(sector_ids, rng.randrange(1, 4)):
                tables[through].add(organisation_id=pk, sector_id=sector)

        say(f"persons and affiliations: {counts.persons}")
        # Person i works at organisation i mod N; the first person of each is its primary contact.
        primary_of: dict[int, int] = {}
        for i in range(counts.persons):
            person = tables[Person].add(
                first_name=rng.choice(FIRST_NAMES),
                last_name=f"{rng.choice(LAST_NAMES)}-{i}",
                email=f"asmuo{i}@klasteris-{i % counts.organisations}.lt",
                phone=f"+3706{rng.randrange(10**7):07d}" if rng.random() < 0.7 else "",
                consent_consultations=True,
                consent_consultations_at=now,
                consent_consultations_source="import",
            )
            org = org_ids[i % counts.organisations]
            primary = i < counts.organisations
            if primary:
                primary_of[org] = person
            tables[Affiliation].add(
                person_id=person,
                organisation_id=org,
                role=rng.choice(ROLES),
                job_title="Vadovas" if primary else "Projektų vadovas",
                is_primary=primary,
                receives_consultations=primary,
            )

        say(f"memberships: {counts.memberships}")
        for i in range(counts.memberships):
            start = datetime.date(2015 + i % 10, 1 + i % 12, 1)
            fee = Decimal(rng.choice([300, 600, 1200]))
            membership = tables[Membership].add(
                organisation_id=org_ids[i],
                status=rng.choice(["active", "active", "active", "applicant", "suspended", "ended"]),
                start_date=start,
                annual_fee=fee,
            )
            if i % 2 == 0:
                tables[Payment].add(membership_id=membership, amount=fee, paid_on=start, reference=f"P{i}")
        flush()
        get_user_model().objects.get_or_create(
            username="bench-staff", defaults={"is_staff": True, "is_superuser": True}
        )
        IssuerSettings.load()

    say(f"consultations: {counts.consultations} × {QUESTIONS} questions × {counts.invitations} invitations")
    invitation_index = 0
    consultation_ids = []
    for c in range(counts.consultations):
        is_open = c < OPEN_CONSULTATIONS
        with transaction.atomic():
            if is_open:
                times = {
                    "status": "open",
                    "opens_at": now - datetime.timedelta(days=10),
                    "internal_deadline": now + datetime.timedelta(days=30),
                    "external_deadline": now + datetime.timedelta(days=40),
                }
            else:
                opened = now - datetime.timedelta(days=60 + c)
                times = {
                    "status": "closed",
                    "opens_at": opened,
                    "internal_deadline": opened + datetime.timedelta(days=20),
                    "external_deadline": opened + datetime.timedelta(days=30),
                    "closed_at": opened + datetime.timedelta(days=21),
                }
            consultation = Consultation.objects.create(
                title=f"Dėl įstatymo projekto Nr. {c + 1}",
                background=PARAGRAPH,
                external_reference=f"XIVP-{1000 + c}",
                **times,
            )
            consultation_ids.append(consultation.pk)
            if is_open:
                result.open_consultation_ids.append(consultation.pk)
            # Unsaved copies of the questions, for the submitted versions' snapshots.
            questions: list[Question] = []
            for position, kind in enumerate(QUESTION_KINDS, start=1):
                spec = {
                    "consultation_id": consultation.pk,
                    "position": position,
                    "kind": kind,
                    "text": f"{position}. Klausimas apie projekto nuostatą ({kind})",
                    "required": position == 1,
                    "max_length": 2000 if kind in ("short_text", "long_text", "proposals") else None,
                    "choices": CHOICES if kind in ("single_choice", "multiple_choice") else [],
                    "allow_other": kind == "multiple_choice",
                }
                questions.append(Question(pk=tables[Question].add(**spec), **spec))
            first = (c * 97) % counts.organisations
            invited = [org_ids[(first + k) % counts.organisations] for k in range(counts.invitations)]
            answered = set(rng.sample(range(len(invited)), round(len(invited) * ANSWERED)))
            sent = times["opens_at"]
            submitted = sent + datetime.timedelta(days=5)
            for k, org in enumerate(invited):
                done = k in answered
                invitation = tables[Invitation].add(
                    consultation_id=consultation.pk,
                    organisation_id=org,
                    sent_at=sent,
                    opened_at=sent if done else None,
                    submitted_at=submitted if done else None,
                )
                link = tables[AccessLink].add(
                    invitation_id=invitation,
                    person_id=primary_of[org],
                    invited_at=sent,
                    browser_key=bench_browser_key(seed, invitation_index),
                )
                tables[AccessToken].add(
                    access_link_id=link,
                    token_hash=AccessToken.hash_token(bench_token(seed, invitation_index)),
                    kind="invitation",
                    issued_at=sent,
                )
                invitation_index += 1
                if not done:
                    continue
                response = tables[Response].add(
                    consultation_id=consultation.pk,
                    organisation_id=org,
                    status="submitted",
                    version=1,
                    updated_at=submitted,
                    submitted_at=submitted,
                    submitted_by_id=primary_of[org],
                )
                snapshot = []
                for question in questions:
                    values = _answer(question.kind, rng)
                    answer = tables[Answer].add(response_id=response, question_id=question.pk, **values)
                    proposals = []
                    if question.kind == "proposals":
                        for position in (1, 2):
                            row = ProposalValue(
                                provision=f"{rng.randrange(1, 40)} str. {position} d.",
                                proposed_wording="Papildyti žodžiais „ir klasterių“.",
                                justification=PARAGRAPH,
                            )
                            tables[ProposalRow].add(answer_id=answer, position=position, **vars(row))
                            proposals.append(row)
                    value = AnswerValue(
                        text=values.get("text", ""),
                        choice_indexes=tuple(values.get("choice_indexes", ())),
                        scale=values.get("scale"),
                        yes_no=values.get("yes_no"),
                        rows=tuple(proposals),
                    )
                    # What the member submitted, as `response_submit` copies it: the analysis,
                    # the exports and the paper draft read these versions, not the answer rows.
                    snapshot.append(snapshot_entry(question=question, value=value))
                tables[ResponseVersion].add(
                    response_id=response,
                    number=1,
                    submitted_at=submitted,
                    submitted_by_id=primary_of[org],
                    answers=snapshot,
                )
                tables[ResponseEdit].add(
                    response_id=response,
                    person_id=primary_of[org],
                    action="submitted",
                    version=1,
                    changed_questions=[question.pk for question in questions],
                    created_at=submitted,
                )
            flush()
        if c % 20 == 19:
            say(f"  {c + 1} consultations")
    _reset_sequences(list(tables))

    say(f"position papers: {counts.papers}")
    public = public or org_ids[:1]
    with transaction.atomic():
        for p in range(counts.papers):
            paper = PositionPaper.objects.create(
                source_consultation_id=consultation_ids[(OPEN_CONSULTATIONS + p) % len(consultation_ids)],
                addressee_id=public[p % len(public)],
                subject=f"Įstatymo projekto Nr. {p + 1} pakeitimo",
                signatory_name="Vardenis Pavardenis",
                signatory_position="Prezidentas",
            )
            rows["positions.PositionPaper"] = rows.get("positions.PositionPaper", 0) + 1
            paper_fill(paper=paper, sections=rng.randrange(3, 7), proposals=rng.randrange(5, 11), rng=rng)
            paper.supporting_organisations.set(rng.sample(org_ids, min(5, len(org_ids))))
    return result


def paper_fill(*, paper: Any, sections: int, proposals: int, rng: random.Random) -> None:
    """Give a paper `sections` sections of three paragraphs and `proposals` proposals."""
    from positions.models import PaperProposal, PaperSection

    PaperSection.objects.bulk_create(
        PaperSection(
            paper=paper,
            position=s,
            heading=f"{s}. Pastabos dėl {s} skyriaus",
            body="\n\n".join([PARAGRAPH] * 3) + f"\n\n- pirma pastaba {s}\n- antra pastaba {s}",
        )
        for s in range(1, sections + 1)
    )
    PaperProposal.objects.bulk_create(
        PaperProposal(
            paper=paper,
            position=n,
            provision=f"{rng.randrange(1, 40)} straipsnio {n} dalis",
            proposed_wording="Papildyti žodžiais „ir klasterių asociacijos narių“.",
            justification=PARAGRAPH,
        )
        for n in range(1, proposals + 1)
    )


def _answer(kind: str, rng: random.Random) -> dict[str, Any]:
    if kind in ("short_text", "long_text"):
        return {"text": PARAGRAPH[: rng.randrange(40, len(PARAGRAPH))]}
    if kind == "single_choice":
        return {"choice_indexes": [rng.randrange(3)]}
    if kind == "multiple_choice":
        return {"choice_indexes": sorted(rng.sample(range(3), 2))}
    if kind == "scale":
        return {"scale": rng.randrange(1, 6)}
    if kind == "yes_no":
        return {"yes_no": rng.random() < 0.5}
    return {}
