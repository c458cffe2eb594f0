"""The dues rules as pure functions (DOMAIN §5): months, bands, rounding, schedule choice.

Rounding rule: the amount due is ``base × rate``, rounded **half up to the fen** (0.005 yuan
rounds up). It is computed in integers: the base in fen times the rate in ten-thousandths of a
percent, so no floating point is involved anywhere.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from .choices import IncomeKind

FEN = Decimal("0.01")
RATE_SCALE = 10_000  # rates are stored as percent with four places: 0.5% → 5000 units
MAX_BASE = Decimal("10000000.00")  # a monthly income above ten million yuan is a typing error


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def add_months(month: dt.date, n: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + n
    return dt.date(index // 12, index % 12 + 1, 1)


def month_end(month: dt.date) -> dt.date:
    return add_months(month, 1) - dt.timedelta(days=1)


def months_between(first: dt.date, last: dt.date) -> int:
    """Number of months from ``first`` to ``last`` (both month starts), inclusive."""
    return (last.year - first.year) * 12 + last.month - first.month + 1


def to_money(value) -> Decimal:
    """A Decimal with at most two places, or ValueError."""
    if isinstance(value, float | bool):
        raise ValueError("money must not be a float")
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValueError("not a number") from None
    if not number.is_finite() or number != number.quantize(FEN):
        raise ValueError("at most two decimal places")
    return number.quantize(FEN)


def fen(amount: Decimal) -> int:
    return int(amount * 100)


def yuan(fen_amount: int) -> Decimal:
    return Decimal(fen_amount).scaleb(-2)


def yuan_text(fen_amount: int) -> str:
    return f"{fen_amount // 100}.{fen_amount % 100:02d}"


def mask_base(amount: Decimal) -> str:
    """``4***.**``: the first digit shows the order of magnitude, nothing more."""
    whole = str(int(amount))
    return whole[0] + "*" * (len(whole) - 1) + ".**"


def quarter_average(total: Decimal) -> Decimal:
    """The average monthly income of a quarter, half up to the fen."""
    return (total / 3).quantize(FEN, rounding=ROUND_HALF_UP)


def rate_units(percent) -> int:
    return int(Decimal(str(percent)) * RATE_SCALE)


@dataclass(frozen=True)
class Band:
    lower: int | None  # fen, exclusive
    upper: int | None  # fen, inclusive; None = no upper limit
    units: int  # rate in ten-thousandths of a percent

    @property
    def label(self) -> str:
        if self.lower is None and self.upper is None:
            return "*"
        if self.lower is None:
            return f"≤{yuan_text(self.upper)}"
        if self.upper is None:
            return f">{yuan_text(self.lower)}"
        return f"{yuan_text(self.lower)}–{yuan_text(self.upper)}"

    @property
    def percent(self) -> Decimal:
        return Decimal(self.units) / RATE_SCALE

    @property
    def percent_text(self) -> str:
        """``0.5``, ``1``, ``1.25``: no trailing zeros, never an exponent."""
        return format(self.percent.normalize(), "f")


def parse_bands(raw) -> tuple[Band, ...]:
    """``[[upper yuan or null, percent], ...]`` ascending, the last without an upper limit."""
    if not isinstance(raw, list | tuple) or not raw:
        raise ValueError("bands must be a non-empty list")
    bands: list[Band] = []
    lower: int | None = None
    for index, item in enumerate(raw):
        if not isinstance(item, list | tuple) or len(item) != 2:
            raise ValueError("each band is [upper, percent]")
        upper_raw, percent_raw = item
        last = index == len(raw) - 1
        if last != (upper_raw is None):
            raise ValueError("only the last band has no upper limit")
        upper = None if upper_raw is None else fen(to_money(upper_raw))
        if upper is not None and (upper <= 0 or (lower is not None and upper <= lower)):
            raise ValueError("band limits must rise")
        try:
            percent = Decimal(str(percent_raw))
        except InvalidOperation:
            raise ValueError("not a percentage") from None
        if (
            not percent.is_finite()
            or not Decimal(0) <= percent <= 100
            or percent != percent.quantize(Decimal("0.0001"))
        ):
            raise ValueError("a percentage between 0 and 100 with at most four places")
        bands.append(Band(lower, upper, int(percent * RATE_SCALE)))
        lower = upper
    return tuple(bands)


def band_for(bands: tuple[Band, ...], base_fen: int) -> Band:
    for band in bands:
        if band.upper is None or base_fen <= band.upper:
            return band
    raise AssertionError("the last band has no upper limit")


def amount_fen(base_fen: int, units: int) -> int:
    """``base × rate`` rounded half up to the fen, in integers (non-negative inputs)."""
    return (base_fen * units + 500_000) // 1_000_000


@dataclass(frozen=True)
class CompiledSchedule:
    """A RateSchedule turned into integers once, for the batch run."""

    id: int
    scope_path: str
    effective_from: dt.date
    salaried: tuple[Band, ...]
    retiree: tuple[Band, ...]
    fixed: dict  # kind → fen
    farmer_min: int
    farmer_max: int

    @classmethod
    def of(cls, schedule) -> CompiledSchedule:
        return cls(
            id=schedule.pk,
            scope_path=schedule.scope_path,
            effective_from=schedule.effective_from,
            salaried=parse_bands(schedule.salaried_bands),
            retiree=parse_bands(schedule.retiree_bands),
            fixed={
                IncomeKind.STUDENT: fen(schedule.student_amount),
                IncomeKind.UNEMPLOYED: fen(schedule.unemployed_amount),
                IncomeKind.SUBSISTENCE: fen(schedule.subsistence_amount),
            },
            farmer_min=fen(schedule.farmer_min),
            farmer_max=fen(schedule.farmer_max),
        )


def choose_schedule(schedules, path: str, month: dt.date):
    """The version in force at ``path`` in ``month``: the longest matching region, then the latest
    start not after the month. ``schedules`` are RateSchedule or CompiledSchedule objects."""
    best = None
    for schedule in schedules:
        if (
            schedule.effective_from <= month
            and path.startswith(schedule.scope_path)
            and (
                best is None
                or (len(schedule.scope_path), schedule.effective_from) > (len(best.scope_path), best.effective_from)
            )
        ):
            best = schedule
    return best


@dataclass(frozen=True)
class Result:
    amount_fen: int
    band: str
    units: int | None  # rate, None for fixed amounts


def compute(schedule: CompiledSchedule, kind: str, base_fen: int | None, fixed_fen: int | None) -> Result:
    """The monthly amount for one declaration under one schedule (before any hardship relief)."""
    if kind in (IncomeKind.SALARIED, IncomeKind.SELF_EMPLOYED, IncomeKind.RETIREE):
        bands = schedule.retiree if kind == IncomeKind.RETIREE else schedule.salaried
        band = band_for(bands, base_fen or 0)
        return Result(amount_fen(base_fen or 0, band.units), band.label, band.units)
    if kind == IncomeKind.FARMER:
        chosen = schedule.farmer_min if fixed_fen is None else fixed_fen
        return Result(min(max(chosen, schedule.farmer_min), schedule.farmer_max), "", None)
    return Result(schedule.fixed[kind], "", None)
