"""Fictional people for the demo district: plausible names, checksum-valid ID numbers, mobiles."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from dangjian.core.validators import id_check_character

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
GIVEN_MALE = [
    "伟",
    "强",
    "磊",
    "军",
    "洋",
    "勇",
    "杰",
    "涛",
    "明",
    "超",
    "斌",
    "鹏",
    "辉",
    "刚",
    "健",
    "浩",
    "宇",
    "俊",
    "建国",
    "志强",
    "海涛",
    "晓东",
    "文博",
    "子豪",
    "宏伟",
    "国平",
    "立新",
    "振华",
    "家乐",
    "嘉伟",
]
GIVEN_FEMALE = [
    "芳",
    "娜",
    "敏",
    "静",
    "丽",
    "艳",
    "娟",
    "霞",
    "婷",
    "雪",
    "琳",
    "颖",
    "倩",
    "洁",
    "玲",
    "燕",
    "萍",
    "秀英",
    "桂兰",
    "晓燕",
    "雅琪",
    "欣怡",
    "梦瑶",
    "佳慧",
    "海燕",
    "丽华",
    "春梅",
    "雨欣",
    "思琪",
    "文静",
]
# Birthplace regions: the district's own city and the provinces many couriers and riders come from.
REGIONS = [
    "330102",
    "330105",
    "330106",
    "330108",
    "330110",
    "410102",
    "410305",
    "411302",
    "420102",
    "420602",
    "430102",
    "340102",
    "341202",
    "510104",
    "511302",
    "360102",
    "452101",
    "500101",
    "370102",
    "130102",
]
MOBILE_PREFIXES = [
    "133",
    "135",
    "136",
    "137",
    "138",
    "139",
    "150",
    "151",
    "152",
    "155",
    "157",
    "158",
    "159",
    "166",
    "176",
    "177",
    "178",
    "180",
    "181",
    "186",
    "187",
    "188",
    "189",
    "198",
    "199",
]


@dataclass
class Person:
    name: str
    male: bool
    birth: dt.date
    id_number: str
    mobile: str


def make_person(
    rng: random.Random, used: set[str], min_age: int = 20, max_age: int = 62, today: dt.date | None = None
) -> Person:
    today = today or dt.date(2026, 1, 1)
    male = rng.random() < 0.78  # riders, couriers and drivers are mostly men
    while True:
        birth = today - dt.timedelta(days=rng.randint(min_age * 365 + 10, max_age * 365))
        serial = rng.randint(0, 499) * 2 + (1 if male else 0)
        first17 = f"{rng.choice(REGIONS)}{birth:%Y%m%d}{serial:03d}"
        number = first17 + id_check_character(first17)
        if number not in used:
            used.add(number)
            break
    given = rng.choice(GIVEN_MALE if male else GIVEN_FEMALE)
    mobile = rng.choice(MOBILE_PREFIXES) + f"{rng.randint(0, 99_999_999):08d}"
    return Person(rng.choice(SURNAMES) + given, male, birth, number, mobile)
