"""Assessment settings from a YAML file keyed by Azure Migrate's names ("Sizing criteria", "Comfort factor", ...).

Every problem of the file is reported at once, each as `file:line:key: what is wrong, what was expected`, and
nothing is used when there is one. The result maps the assess parameters' field names (`region`, `sizing`,
`percentile`, `performance_history_days`, `comfort_factor`, `series`, `burstable`, `pricing`, `ahb`, `discount`,
`default_environment`, `cap_at_allocation`) to checked values; command-line flags then override them.

```yaml
Target location: eastus2
Sizing criteria: Performance-based      # or As on-premises
Percentile utilization: 95th            # 50th, 90th, 95th, 99th
Performance history: 1 week             # 1 day, 1 week, 1 month or a number of days
Comfort factor: 1.3
VM series: [Dsv5, Dasv5, Esv5, Fsv2]    # Azure Migrate families; omitted: its default list
Savings options (compute): None         # None (pay-as-you-go), RI1Year, RI3Year
Azure Hybrid Benefit: Yes
Discount (%): 0
Default environment: Production         # Production or Dev/Test (or our environments)
```
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from inventory.errors import BadInputError, InputProblem
from inventory.importers.common import decode_text, display_name, read_bytes
from inventory.records import Environment, normalise_environment
from migrations_plan.assessment.rules import compose_yaml
from migrations_plan.assessment.settings import (
    MAX_PERFORMANCE_HISTORY_DAYS,
    PERCENTILES,
    SizingCriterion,
    discount_problem,
    name_key,
    parse_savings_option,
)
from migrations_plan.pricing.model import PricingOption

Parser = Callable[[yaml.Node], Any]


def _scalar(node: yaml.Node) -> str:
    if not isinstance(node, yaml.ScalarNode):
        raise ValueError("expected a single value, not a list or mapping")
    return str(node.value).strip()


def _number(node: yaml.Node) -> float:
    text = _scalar(node).rstrip("%xX").strip()
    try:
        return float(text)
    except ValueError:
        raise ValueError(f"expected a number, got {text!r}") from None


def _boolean(node: yaml.Node) -> bool:
    text = _scalar(node).lower()
    if text in ("yes", "true", "on", "1", "y"):
        return True
    if text in ("no", "false", "off", "0", "n", "none"):
        return False
    raise ValueError(f"expected Yes or No, got {text!r}")


def _region(node: yaml.Node) -> str:
    text = name_key(_scalar(node))
    if not text:
        raise ValueError("expected an Azure region name such as eastus2 or 'East US 2'")
    return text


def sizing_of(text: str) -> SizingCriterion:
    """performance-based / PerformanceBased, as-on-premises / AsOnPremises / as-is on-premises."""
    key = name_key(text)
    if key in ("performancebased", "performance"):
        return SizingCriterion.PERFORMANCE_BASED
    if key in ("asonpremises", "asisonpremises", "asis", "asonprem"):
        return SizingCriterion.AS_ON_PREMISES
    raise ValueError(f"expected performance-based or as-on-premises, got {text.strip()!r}")


def _sizing(node: yaml.Node) -> SizingCriterion:
    return sizing_of(_scalar(node))


def _percentile(node: yaml.Node) -> int:
    text = name_key(_scalar(node)).removeprefix("percentile").removeprefix("p").removesuffix("th")
    if text.isdigit() and int(text) in PERCENTILES:
        return int(text)
    raise ValueError(f"expected one of {', '.join(f'{p}th' for p in PERCENTILES)}, got {_scalar(node)!r}")


_HISTORY = {"day": 1, "1day": 1, "week": 7, "1week": 7, "month": 30, "1month": 30}


def _history(node: yaml.Node) -> int:
    text = name_key(_scalar(node))
    if text in _HISTORY:
        return _HISTORY[text]
    digits = text.removesuffix("days").removesuffix("day")
    if digits.isdigit() and 1 <= int(digits) <= MAX_PERFORMANCE_HISTORY_DAYS:
        return int(digits)
    raise ValueError(f"expected 1 day, 1 week, 1 month or 1..{MAX_PERFORMANCE_HISTORY_DAYS} days, got "
                     f"{_scalar(node)!r}")


def _comfort(node: yaml.Node) -> float:
    value = _number(node)
    if not 1.0 <= value <= 5.0:
        raise ValueError(f"expected 1.0 to 5.0 (below 1 would undersize), got {value:g}")
    return value


def _series(node: yaml.Node) -> list[str]:
    if isinstance(node, yaml.SequenceNode):
        names = [_scalar(item) for item in node.value]
    else:
        names = [part.strip() for part in _scalar(node).split(",")]
    names = [name for name in names if name]
    if not names:
        raise ValueError("expected at least one VM series, e.g. [Dsv5, Esv5]")
    return names


def _savings(node: yaml.Node) -> PricingOption:
    return parse_savings_option(_scalar(node))


def _discount(node: yaml.Node) -> float:
    value = _number(node)
    if not 0.0 <= value < 100.0:
        raise ValueError(f"expected 0 or more and below 100, got {value:g}")
    return value


def environment_of(text: str) -> Environment:
    """Azure Migrate's Production or Dev/Test, or one of our environments (prod, uat, dev... accepted)."""
    if name_key(text) in ("devtest", "nonproduction"):
        return Environment.TEST
    found = normalise_environment(text)
    if found is Environment.UNKNOWN:
        raise ValueError(f"expected Production or Dev/Test (or staging, test, development, dr), got {text.strip()!r}")
    return found


def _environment(node: yaml.Node) -> Environment:
    return environment_of(_scalar(node))


def currency_of(text: str) -> str:
    """An ISO 4217 code ("aud" -> "AUD") that the shipped exchange rates know (prices stay USD, converted)."""
    from migrations_plan.pricing.currency import UnknownCurrencyError, default_rates

    code = text.strip().upper()
    table = default_rates()
    try:
        table.get(code)
    except UnknownCurrencyError as e:
        raise ValueError(f"unknown currency {text.strip()!r}: the shipped rates know {', '.join(table.codes())}; "
                         "for another, keep USD here and give --currency with --rates to status and report "
                         "savings") from e
    return code


def _currency(node: yaml.Node) -> str:
    return currency_of(_scalar(node))


def _offer(node: yaml.Node) -> None:
    if name_key(_scalar(node)) not in ("payasyougo", "msazr0003p"):
        raise ValueError("only pay-as-you-go prices (MS-AZR-0003P) are in the price catalog")


def _uptime(node: yaml.Node) -> None:
    if isinstance(node, yaml.MappingNode):
        text = " ".join(str(value.value) for _, value in node.value if isinstance(value, yaml.ScalarNode))
    else:
        text = _scalar(node)
    if not ("31" in text and "24" in text):
        raise ValueError("only always-on VMs are priced (31 days x 24 hours; costs use 730 hours a month)")


def _unsupported(why: str) -> Parser:
    def refuse(node: yaml.Node) -> None:
        raise ValueError(f"not supported: {why}; remove the key")
    return refuse


# Azure Migrate's setting name (and API name) -> (parameter field, parser). Names are compared without case,
# spaces or punctuation, so "Savings options (compute)" and "savingsOptions" both match.
_SETTINGS: dict[str, tuple[str, Parser]] = {
    **dict.fromkeys(("targetlocation", "azurelocation", "location", "region"), ("region", _region)),
    **dict.fromkeys(("sizingcriteria", "sizingcriterion"), ("sizing", _sizing)),
    **dict.fromkeys(("percentileutilization", "percentileutilisation", "percentile"), ("percentile", _percentile)),
    **dict.fromkeys(("performancehistory", "timerange"), ("performance_history_days", _history)),
    **dict.fromkeys(("comfortfactor", "scalingfactor"), ("comfort_factor", _comfort)),
    **dict.fromkeys(("vmseries", "targetvmseries", "azurevmfamilies"), ("series", _series)),
    "burstable": ("burstable", _boolean),
    **dict.fromkeys(("savingsoptions", "savingsoptionscompute", "defaultsavingsoption", "savingsoption",
                     "reservedinstances", "reservedinstance"), ("pricing", _savings)),
    **dict.fromkeys(("azurehybridbenefit", "azurehybridusebenefit", "ahb"), ("ahb", _boolean)),
    **dict.fromkeys(("discount", "discountpercentage"), ("discount", _discount)),
    **dict.fromkeys(("defaultenvironment", "environment"), ("default_environment", _environment)),
    "capatallocation": ("cap_at_allocation", _boolean),
    "currency": ("currency", _currency),
    **dict.fromkeys(("offer", "offerlicensingprogram", "azureoffercode"), ("", _offer)),
    "vmuptime": ("", _uptime),
    **dict.fromkeys(("storagetype", "targetstoragedisk", "azuredisktype"), ("", _unsupported(
        "disks are Premium SSD for production systems and the cheapest SSD that fits otherwise"))),
    "security": ("", _unsupported("Microsoft Defender for Cloud is not priced")),
    "easubscription": ("", _unsupported("Enterprise Agreement prices are not in the catalog")),
}
KNOWN_SETTINGS = ("Target location, Sizing criteria, Percentile utilization, Performance history, Comfort factor, "
                  "VM series, Burstable, Savings options (compute), Azure Hybrid Benefit, Discount (%), "
                  "Default environment, Cap at allocation, Currency")


def load_settings_file(path: Path) -> dict[str, Any]:
    """Assess parameters from a settings YAML; every problem of the file at once (BadInputError)."""
    # Read as the other input files are: a missing, unreadable, empty or binary file is bad input naming the file,
    # and text that is not UTF-8 is read in its detected encoding (Windows-1252 from Notepad, UTF-16 with a BOM).
    name = display_name(path)
    return parse_settings(decode_text(read_bytes(path), name, kind="YAML"), source=name)


def parse_settings(text: str, *, source: str = "<settings>") -> dict[str, Any]:
    """Assess parameters from settings YAML text (see the module docstring)."""
    root = compose_yaml(text, source=source)
    if root is None:
        return {}
    if not isinstance(root, yaml.MappingNode):
        raise BadInputError.single(source, "expected a mapping of Azure Migrate setting names to values, e.g. "
                                   "'Comfort factor: 1.3'", row=root.start_mark.line + 1)
    problems: list[InputProblem] = []
    values: dict[str, Any] = {}
    lines: dict[str, tuple[int, str]] = {}
    for key_node, value_node in root.value:
        line = key_node.start_mark.line + 1
        name = str(key_node.value).strip() if isinstance(key_node, yaml.ScalarNode) else "?"
        entry = _SETTINGS.get(name_key(name))
        if entry is None:
            problems.append(InputProblem(source, line, name, f"unknown setting; expected one of {KNOWN_SETTINGS}"))
            continue
        field, parse = entry
        if field and field in lines:
            problems.append(InputProblem(source, line, name, f"set twice (first as {lines[field][1]!r} on line "
                                         f"{lines[field][0]})"))
            continue
        if field:
            lines[field] = (line, name)
        try:
            value = parse(value_node)
        except ValueError as e:
            problems.append(InputProblem(source, value_node.start_mark.line + 1, name, str(e)))
            continue
        if field:
            values[field] = value
    discount = discount_problem(values.get("discount", 0.0), values.get("pricing", PricingOption.PAYG))
    if discount:
        line, name = lines["discount"]
        problems.append(InputProblem(source, line, name, discount))
    if problems:
        raise BadInputError(problems)
    return values
