"""Members for tests, registered through the service."""

import datetime as dt
import itertools

from dangjian.core.validators import id_check_character
from dangjian.members import services

_serial = itertools.count(100)


def id_number(birth: dt.date = dt.date(1990, 5, 17), male: bool = True, region: str = "330199") -> str:
    serial = (next(_serial) * 2 + (1 if male else 0)) % 1000
    first17 = f"{region}{birth:%Y%m%d}{serial:03d}"
    return first17 + id_check_character(first17)


def member(org, name="张伟", *, actor=None, birth=dt.date(1990, 5, 17), male=True, **extra):
    data = {"political_status": "full", "join_date": dt.date(2015, 7, 1), "full_member_date": dt.date(2016, 7, 1)}
    data.update(extra)
    number = data.pop("id_number", None) or id_number(birth, male)
    return services.member_register(actor=actor, org=org, name=name, id_number=number, **data)
