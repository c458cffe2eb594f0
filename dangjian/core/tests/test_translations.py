"""The Simplified Chinese catalogue is complete, well-formed and up to date with the source strings.

Chinese (zh-hans) is the default UI language, so an untranslated or fuzzy entry shows English to
every user. Two layers:

* static checks on ``dangjian/locale/zh_Hans/LC_MESSAGES/django.po`` with polib (no GNU gettext
  needed): every entry translated, nothing fuzzy, printf placeholders kept, one plural form;
* a freshness check: ``makemessages`` runs on a throw-away copy of the project so that the real
  catalogue is never touched, and every msgid it extracts must already be translated. It needs GNU
  gettext (xgettext, msgmerge, msguniq); without it the check is skipped locally and fails on CI.
"""

from __future__ import annotations

import gettext
import hashlib
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.conf import settings

LOCALE = "zh_Hans"
PROJECT_DIR = Path(settings.BASE_DIR)
LOCALE_DIR = Path(settings.LOCALE_PATHS[0])
CATALOGUE = LOCALE_DIR / LOCALE / "LC_MESSAGES" / "django.po"

# The same ignores as the documented command:
#   manage.py makemessages -l zh_Hans -l en --ignore=.venv --ignore=node_modules \
#       --ignore=staticfiles --ignore=var --no-obsolete
MAKEMESSAGES_IGNORES = [".venv", "node_modules", "staticfiles", "var"]
# Not copied into the throw-away project: the ignored trees plus VCS data, caches, build output and
# test artefacts (screenshots), none of which holds source strings.
COPY_IGNORES = shutil.ignore_patterns(
    *MAKEMESSAGES_IGNORES,
    ".git",
    "__pycache__",
    ".pytest_cache",
    ".ruff_cache",
    ".hypothesis",
    "artifacts",
    "*.pyc",
    "*.mo",
)
GETTEXT_TOOLS = ("xgettext", "msgmerge", "msguniq")

# printf-style conversions as Python's % operator reads them: %(name)s, %d, %5.2f, %%.
PRINTF = re.compile(
    r"%(?:\((?P<name>[^)]*)\))?[#0\- +]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[hlL]?(?P<conv>[diouxXeEfFgGcrsa%])"
)


def _label(entry: polib.POEntry) -> str:
    where = ", ".join(f"{path}:{line}" for path, line in entry.occurrences[:2])
    context = f"[{entry.msgctxt}] " if entry.msgctxt else ""
    return f"{context}{entry.msgid!r}" + (f" ({where})" if where else "")


def _placeholders(text: str) -> list[tuple[str | None, str]]:
    """The (name, conversion) of each printf placeholder, without the literal %%."""
    return sorted(
        ((m["name"], m["conv"]) for m in PRINTF.finditer(text) if m["conv"] != "%"),
        key=lambda p: (p[0] or "", p[1]),
    )


def _msgstrs(entry: polib.POEntry) -> list[str]:
    if entry.msgid_plural:
        return [entry.msgstr_plural[k] for k in sorted(entry.msgstr_plural)]
    return [entry.msgstr]


def _has_msgstr(entry: polib.POEntry) -> bool:
    return all(s.strip() for s in _msgstrs(entry))


@pytest.fixture(scope="module")
def catalogue() -> polib.POFile:
    assert CATALOGUE.is_file(), f"{CATALOGUE} is missing; run `manage.py makemessages -l zh_Hans` and translate it"
    return polib.pofile(str(CATALOGUE))


def _live(catalogue: polib.POFile) -> list[polib.POEntry]:
    return [e for e in catalogue if not e.obsolete]


# --- Static checks ------------------------------------------------------------------------------------


def test_header_declares_one_plural_form_and_utf8(catalogue):
    assert not catalogue.metadata_is_fuzzy, "the header is marked fuzzy; msgfmt would ignore it"
    assert catalogue.metadata.get("Language") == LOCALE
    assert "charset=UTF-8" in catalogue.metadata.get("Content-Type", "")
    plural_forms = re.sub(r"\s+", "", catalogue.metadata.get("Plural-Forms", ""))
    assert plural_forms == "nplurals=1;plural=0;", f"Chinese has one plural form, got {plural_forms!r}"


def test_catalogue_is_not_empty(catalogue):
    assert len(_live(catalogue)) > 100, "the catalogue looks truncated"


def test_no_untranslated_entries(catalogue):
    missing = [_label(e) for e in _live(catalogue) if not _has_msgstr(e)]
    assert not missing, f"{len(missing)} untranslated entries in {CATALOGUE.name}:\n" + "\n".join(missing)


def test_no_fuzzy_entries(catalogue):
    fuzzy = [_label(e) for e in _live(catalogue) if e.fuzzy]
    assert not fuzzy, f"{len(fuzzy)} fuzzy entries (review them, then drop the flag):\n" + "\n".join(fuzzy)


def test_plural_entries_have_exactly_one_form(catalogue):
    wrong = [_label(e) for e in _live(catalogue) if e.msgid_plural and sorted(e.msgstr_plural) != [0]]
    assert not wrong, "plural entries must have only msgstr[0]:\n" + "\n".join(wrong)


def test_python_format_placeholders_are_kept(catalogue):
    problems = []
    for entry in _live(catalogue):
        if "python-format" not in entry.flags:
            continue
        # With one plural form, msgstr[0] serves every count, so it needs the plural's placeholders too.
        expected = set(_placeholders(entry.msgid)) | set(_placeholders(entry.msgid_plural or ""))
        names = {name for name, _conv in expected if name}
        for text in _msgstrs(entry):
            if not text:
                continue
            found = set(_placeholders(text))
            if lost := expected - found:
                problems.append(f"{_label(entry)}: msgstr {text!r} lacks {sorted(lost, key=str)}")
            if extra := found - expected:
                problems.append(f"{_label(entry)}: msgstr {text!r} adds {sorted(extra, key=str)}")
            if names:  # Interpolating must work exactly as the code does it: str % mapping.
                try:
                    text % dict.fromkeys(names, 1)
                except (KeyError, TypeError, ValueError) as exc:
                    problems.append(f"{_label(entry)}: msgstr {text!r} cannot be formatted ({exc!r})")
    assert not problems, "placeholder mismatches:\n" + "\n".join(problems)


def test_compiled_catalogue_loads_and_translates(catalogue, tmp_path):
    mo_path = tmp_path / "django.mo"
    catalogue.save_as_mofile(str(mo_path))
    with mo_path.open("rb") as handle:
        translations = gettext.GNUTranslations(handle)
    entry = next(e for e in _live(catalogue) if not e.msgid_plural and e.msgstr)
    assert translations.gettext(entry.msgid) == entry.msgstr
    plural = next((e for e in _live(catalogue) if e.msgid_plural), None)
    if plural is not None:
        for n in (0, 1, 2, 11):
            assert translations.ngettext(plural.msgid, plural.msgid_plural, n) == plural.msgstr_plural[0]


# --- Freshness: every string in the code is in the catalogue -----------------------------------------


def _gettext_missing() -> list[str]:
    return [tool for tool in GETTEXT_TOOLS if shutil.which(tool) is None]


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_catalogue_covers_every_source_string(tmp_path):
    if missing_tools := _gettext_missing():
        message = (
            f"GNU gettext tools not found ({', '.join(missing_tools)}): install gettext "
            "(e.g. `apt-get install gettext`) to check the catalogue against the source strings"
        )
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)

    # A copy of the project: its settings derive LOCALE_PATHS from its own BASE_DIR, so makemessages
    # writes into the copy and the real catalogue is never touched.
    copy = tmp_path / "project"
    shutil.copytree(PROJECT_DIR, copy, ignore=COPY_IGNORES, symlinks=True)
    copied_catalogue = copy / CATALOGUE.relative_to(PROJECT_DIR)
    assert copied_catalogue.is_file()
    real_before = _sha256(CATALOGUE)

    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(copy), os.environ.get("PYTHONPATH")])),
        "DJANGO_SETTINGS_MODULE": "dangjian.settings",
        "DJANGO_SECRET_KEY": "translation-check-not-secret",
        "DANGJIAN_VAR_DIR": str(tmp_path / "var"),
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    command = [sys.executable, "manage.py", "makemessages", "-l", LOCALE, "--no-obsolete", "-v", "1"]
    command += [f"--ignore={pattern}" for pattern in MAKEMESSAGES_IGNORES]
    result = subprocess.run(  # noqa: S603 - fixed argument list, no shell
        command, cwd=copy, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert result.returncode == 0, f"makemessages failed:\n{result.stdout}\n{result.stderr}"
    assert _sha256(CATALOGUE) == real_before, (
        f"{CATALOGUE} changed while makemessages ran on the copy: did it write there, or did someone edit it?"
    )

    regenerated = polib.pofile(str(copied_catalogue))
    live = _live(regenerated)
    assert live, f"makemessages extracted nothing:\n{result.stdout}\n{result.stderr}"
    untranslated = [_label(e) for e in live if not e.fuzzy and not _has_msgstr(e)]
    fuzzy = [_label(e) for e in live if e.fuzzy]
    report = []
    if untranslated:
        report.append(f"{len(untranslated)} source strings have no translation:\n" + "\n".join(untranslated))
    if fuzzy:
        report.append(
            f"{len(fuzzy)} source strings changed and only have a fuzzy (guessed) translation:\n" + "\n".join(fuzzy)
        )
    assert not report, (
        "\n\n".join(report) + "\n\nRun `manage.py makemessages -l zh_Hans -l en --ignore=.venv --ignore=node_modules "
        "--ignore=staticfiles --ignore=var --no-obsolete`, translate the new entries in "
        f"{CATALOGUE.relative_to(PROJECT_DIR)} and drop any fuzzy flags."
    )
