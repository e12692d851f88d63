"""The one registry of KPIs: ids, names, formulas, units and directions, and the spreadsheet
functions that compute them from cells.

The JSON report, the KPI tab, the Excel functions and their help, KPI(), ``sheets-sync kpis``,
docs/kpis.md and GET /api/v1/kpis all read these tables, so a KPI is described in one place.
Ids are stable: they are keys in JSON and APIs. ``FUNCTIONS`` (``Function``, ``Arg``) is the
executable part: each spreadsheet function's Excel-safe name, arguments (unit, range or not,
optional and default, choices, en/ru help) and its formula from funnel_kpi.formulas; ``call``
runs one by name on cleaned arguments; ``CELL_KPIS`` says which function computes which KPI.

Scopes: ``stage`` values exist once per funnel stage (or per step), ``period`` values once per
month (and for the total and each segment), ``deal_log`` values need a deal log; ``forecast``
values are the report's ``forecast`` (next months, backtest) and the parts of the pipeline
forecast in its deal-log section (funnel_kpi.report.forecast), not per period; ``verdict`` values
are
the report's ``verdicts`` (funnel_kpi.report.verdicts); ``plan`` values are the plan's gap split and
backwards funnel (funnel_kpi.report.plan: ``sheets-sync plan``, POST /api/v1/plan), not per period.

Terms used in the formulas: n_i is the count at stage i of the funnel as far as the data has it;
"leads" is the Leads stage (the first stage when the funnel has none), "paid" the Paid stage
(the last stage when the funnel has none); a step belongs to the owner of the stage it ends in,
so the handoff step (marketing -> sales) is sales': sales declined those leads.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from types import MappingProxyType
from typing import Any, Literal

from funnel_kpi import formulas as F
from funnel_kpi.values import Value

# "ratio" is a share shown as a percent; "times" a multiple (LTV:CAC 3.2, a seasonal index 0.96).
Unit = Literal["count", "ratio", "times", "money", "days", "months"]
Scope = Literal["stage", "period", "deal_log", "forecast", "verdict", "plan"]

UNIT_NAMES: Mapping[str, tuple[str, str]] = MappingProxyType({
    "count": ("count", "количество"),
    "ratio": ("ratio", "доля"),
    "times": ("times", "раз"),
    "money": ("money", "деньги"),
    "days": ("days", "дни"),
    "months": ("months", "месяцы"),
})


@dataclass(frozen=True, slots=True)
class Kpi:
    id: str
    en: str
    ru: str
    formula: str
    formula_ru: str
    unit: Unit
    higher_is_better: bool | None  # None: neither direction is good in itself (e.g. shares)
    scope: Scope
    description: str
    description_ru: str
    # The spreadsheet function that computes it from cells (FUNCTIONS), and the arguments of
    # that function this KPI fixes, e.g. (("stat", "median"),); set from CELL_KPIS below.
    function: str | None = None
    preset: tuple[tuple[str, str], ...] = ()

    def name(self, lang: str = "en") -> str:
        return self.ru if lang == "ru" else self.en

    def formula_text(self, lang: str = "en") -> str:
        return self.formula_ru if lang == "ru" else self.formula


_ALL: tuple[Kpi, ...] = (
    # --- per stage ---
    Kpi("stage_count", "Count at stage", "Количество на стадии", "n_i", "n_i", "count", True,
        "stage", "How many reached the stage in the period.",
        "Сколько дошло до стадии за период."),
    Kpi("step_conversion", "Step conversion", "Конверсия шага", "n_i / n_(i-1)", "n_i / n_(i-1)",
        "ratio", True, "stage", "Share of the previous stage that reached this one.",
        "Доля предыдущей стадии, дошедшая до этой."),
    Kpi("cumulative_conversion", "Cumulative conversion", "Накопленная конверсия", "n_i / n_1",
        "n_i / n_1", "ratio", True, "stage", "Share of the first stage that reached this one.",
        "Доля первой стадии, дошедшая до этой."),
    Kpi("drop_off", "Drop-off", "Отвал", "n_(i-1) - n_i", "n_(i-1) - n_i", "count", False,
        "stage", "How many of the previous stage did not reach this one.",
        "Сколько с предыдущей стадии не дошло до этой."),
    Kpi("drop_off_rate", "Drop-off rate", "Доля отвала", "1 - n_i / n_(i-1)",
        "1 - n_i / n_(i-1)", "ratio", False, "stage",
        "Share of the previous stage lost at this step.",
        "Доля предыдущей стадии, потерянная на этом шаге."),
    Kpi("cost_per_stage_unit", "Cost per stage unit", "Стоимость единицы стадии",
        "marketing spend / n_i", "маркетинговый бюджет / n_i", "money", False, "stage",
        "Marketing spend per visit, lead, brief and so on.",
        "Маркетинговый бюджет на один визит, лид, бриф и т. д."),
    # --- per period: conversions and who loses the leads ---
    Kpi("overall_conversion", "Overall conversion", "Сквозная конверсия", "n_last / n_1",
        "n_последняя / n_1", "ratio", True, "period",
        "Share of the first stage that reached the last stage.",
        "Доля первой стадии, дошедшая до последней."),
    Kpi("lead_to_payment_conversion", "Lead-to-payment conversion", "Конверсия из лида в оплату",
        "paid / leads", "оплаты / лиды", "ratio", True, "period",
        "Share of leads that paid.", "Доля лидов, которые оплатили."),
    Kpi("marketing_conversion", "Marketing conversion", "Конверсия маркетинга",
        "n_(last marketing stage) / n_1", "n_(последняя стадия маркетинга) / n_1", "ratio", True,
        "period", "Conversion through the marketing stages, from the first stage to the handoff.",
        "Конверсия через стадии маркетинга, от первой стадии до передачи в продажи."),
    Kpi("handoff_acceptance", "Handoff acceptance", "Принятие продажами",
        "n_(first sales stage) / n_(last marketing stage)",
        "n_(первая стадия продаж) / n_(последняя стадия маркетинга)", "ratio", True, "period",
        "Share of what marketing handed over that sales accepted.",
        "Доля переданного маркетингом, которую приняли продажи."),
    Kpi("sales_conversion", "Sales conversion", "Конверсия продаж",
        "n_last / n_(first sales stage)", "n_последняя / n_(первая стадия продаж)", "ratio", True,
        "period", "Conversion through the sales stages, from acceptance to the last stage.",
        "Конверсия через стадии продаж, от принятия до последней стадии."),
    Kpi("marketing_loss_share", "Marketing share of lost leads", "Доля потерь маркетинга",
        "lost at steps ending in a marketing stage / lost at all steps from leads on",
        "потери на шагах, ведущих в стадию маркетинга / потери на всех шагах от лидов",
        "ratio", None, "period",
        "Share of lost leads lost inside marketing; a step's loss is max(0, n_(i-1) - n_i).",
        "Доля потерянных лидов, потерянных в маркетинге; потеря шага — max(0, n_(i-1) - n_i)."),
    Kpi("sales_loss_share", "Sales share of lost leads", "Доля потерь продаж",
        "lost at steps ending in a sales stage / lost at all steps from leads on",
        "потери на шагах, ведущих в стадию продаж / потери на всех шагах от лидов",
        "ratio", None, "period",
        "Share of lost leads lost in sales, the handoff step included.",
        "Доля потерянных лидов, потерянных в продажах, включая шаг передачи."),
    Kpi("lost_leads_cost", "Cost of lost leads", "Стоимость потерянных лидов",
        "CPL x (leads - paid)", "CPL x (лиды - оплаты)", "money", False, "period",
        "Marketing money spent on leads that did not pay.",
        "Маркетинговые деньги, потраченные на лидов, которые не оплатили."),
    # --- money ---
    Kpi("cpl", "CPL", "CPL", "marketing spend / leads", "маркетинговый бюджет / лиды", "money",
        False, "period", "Cost per lead.", "Стоимость лида."),
    Kpi("cac", "CAC", "CAC", "(marketing spend + sales cost) / new customers",
        "(маркетинговый бюджет + затраты на продажи) / новые клиенты", "money", False, "period",
        "Cost of acquiring one customer.", "Стоимость привлечения клиента."),
    Kpi("new_customers", "New customers", "Новые клиенты", "n_paid", "n_оплаты", "count", True,
        "period", "Deals paid in the period.", "Оплаченные сделки за период."),
    Kpi("revenue", "Revenue", "Выручка", "sum of revenue", "сумма выручки", "money", True,
        "period", "Money received in the period.", "Деньги, полученные за период."),
    Kpi("average_deal", "Average deal", "Средний чек", "revenue / paid", "выручка / оплаты",
        "money", True, "period", "Revenue per paid deal.", "Выручка на одну оплату."),
    Kpi("revenue_growth", "Revenue growth", "Рост выручки",
        "(revenue - previous month's) / previous month's",
        "(выручка - выручка прошлого месяца) / выручка прошлого месяца", "ratio", True, "period",
        "Relative change of revenue against the previous month.",
        "Относительное изменение выручки к прошлому месяцу."),
    Kpi("average_deal_growth", "Average deal growth", "Рост среднего чека",
        "(average deal - previous month's) / previous month's",
        "(средний чек - средний чек прошлого месяца) / средний чек прошлого месяца", "ratio",
        True, "period", "Relative change of the average deal against the previous month.",
        "Относительное изменение среднего чека к прошлому месяцу."),
    Kpi("plan_fact", "Plan/fact", "План/факт", "fact / plan (fact: revenue, else paid count)",
        "факт / план (факт: выручка, иначе число оплат)", "ratio", True, "period",
        "How much of the plan was reached.", "Какая часть плана выполнена."),
    Kpi("run_rate_projection", "Run-rate projection", "Прогноз по темпу",
        "fact so far / days elapsed x days in month",
        "факт на сегодня / прошло дней x дней в месяце", "money", True, "period",
        "Where the month in progress ends at the current pace (revenue, else paid count).",
        "Чем закончится текущий месяц при нынешнем темпе (выручка, иначе число оплат)."),
    Kpi("ltv", "LTV", "LTV",
        "LTV (historical) where there is a deal log, else LTV (contractual), else LTV (simple)",
        "LTV (исторический) при журнале сделок, иначе LTV (контрактный), иначе LTV (простой)",
        "money", True, "period",
        "The one lifetime value every surface shows, its method named in the notes; LTV:CAC "
        "uses it.",
        "Единая пожизненная ценность клиента на всех поверхностях, метод назван в примечаниях; "
        "LTV:CAC считается по ней."),
    Kpi("ltv_simple", "LTV (simple)", "LTV (простой)",
        "average deal x purchases per customer per month x lifetime x margin",
        "средний чек x покупок на клиента в месяц x срок жизни x маржа", "money", True,
        "period", "Only with a known purchase frequency (customer ids in a deal log, or "
                  "funnel.toml [ltv] purchases_per_month); lifetime is [ltv] lifetime_months, "
                  "else 1 / monthly churn.",
        "Только при известной частоте покупок (идентификаторы клиентов в журнале сделок или "
        "funnel.toml [ltv] purchases_per_month); срок жизни — [ltv] lifetime_months, иначе "
        "1 / месячный отток."),
    Kpi("ltv_contractual", "LTV (contractual)", "LTV (контрактный)",
        "ARPU x margin / churn (ARPU = revenue / customers)",
        "ARPU x маржа / отток (ARPU = выручка / клиенты)", "money", True, "period",
        "Lifetime value from revenue per customer and churn; undefined when churn is 0.",
        "Пожизненная ценность из выручки на клиента и оттока; не определена при нулевом оттоке."),
    Kpi("ltv_cac", "LTV:CAC", "LTV:CAC",
        "LTV / CAC (the LTV headline)", "LTV / CAC (основной LTV)", "times", True,
        "period", "How many times a customer pays back their acquisition cost.",
        "Во сколько раз клиент окупает стоимость привлечения."),
    Kpi("payback_months", "Payback", "Окупаемость", "CAC / (ARPU x margin)",
        "CAC / (ARPU x маржа)", "months", False, "period",
        "Months of gross profit from a customer needed to repay CAC.",
        "Сколько месяцев валовой прибыли клиента окупают CAC."),
    Kpi("churn_rate", "Churn rate", "Отток", "churned / customers at start",
        "ушедшие / клиенты на начало", "ratio", False, "period",
        "Share of the customers at the start of the month lost during it.",
        "Доля клиентов на начало месяца, ушедших за месяц."),
    Kpi("seasonal_index", "Seasonal index", "Индекс сезонности",
        "mean of the calendar month / mean of the 12 month means (two years or more)",
        "среднее календарного месяца / среднее 12 месячных средних (от двух лет)", "times", None,
        "period", "How the month compares with a typical month (of paid, or revenue).",
        "Насколько месяц выше или ниже типичного (по оплатам или выручке)."),
    # --- from a deal log ---
    Kpi("win_rate", "Win rate", "Доля выигранных", "won / (won + lost)",
        "выигранные / (выигранные + проигранные)", "ratio", True, "deal_log",
        "Share of closed deals that were won.", "Доля закрытых сделок, которые выиграны."),
    Kpi("lost_deals", "Lost deals", "Проигранные сделки", "count of lost deals",
        "число проигранных сделок", "count", False, "deal_log",
        "Deals closed as lost.", "Сделки, закрытые как проигранные."),
    Kpi("avg_days_in_stage", "Mean days in stage", "Среднее дней на стадии",
        "mean(date of next stage - date of stage)", "среднее(дата след. стадии - дата стадии)",
        "days", False, "deal_log", "Mean time from reaching a stage to reaching the next.",
        "Среднее время от стадии до следующей."),
    Kpi("median_days_in_stage", "Median days in stage", "Медиана дней на стадии",
        "median(date of next stage - date of stage)", "медиана(дата след. стадии - дата стадии)",
        "days", False, "deal_log", "Median time from reaching a stage to reaching the next.",
        "Медианное время от стадии до следующей."),
    Kpi("sales_cycle_days", "Sales cycle", "Цикл сделки", "mean(paid date - created date), won",
        "среднее(дата оплаты - дата создания), выигранные", "days", False, "deal_log",
        "Days from a deal's creation to its payment, over won deals.",
        "Дней от создания сделки до оплаты, по выигранным сделкам."),
    Kpi("first_response_days", "First response time", "Время первого ответа",
        "mean(first response date - created date)", "среднее(дата первого ответа - дата создания)",
        "days", False, "deal_log", "Days until the first response to a lead.",
        "Дней до первого ответа на заявку."),
    Kpi("proposal_prep_days", "Proposal preparation", "Подготовка КП",
        "mean(proposal date - meeting date)", "среднее(дата КП - дата встречи)", "days", False,
        "deal_log", "Days from the meeting to the proposal.", "Дней от встречи до КП."),
    Kpi("contract_prep_days", "Contract preparation", "Подготовка договора",
        "mean(contract date - proposal date)", "среднее(дата договора - дата КП)", "days", False,
        "deal_log", "Days from the proposal to the contract.", "Дней от КП до договора."),
    Kpi("ltv_historical", "LTV (historical)", "LTV (исторический)",
        "paid amounts / distinct customers", "сумма оплат / число клиентов", "money", True,
        "deal_log", "What a customer has paid on average, from the log's payments.",
        "Сколько в среднем заплатил клиент, по оплатам в журнале."),
    Kpi("forecast_revenue", "Revenue forecast", "Прогноз выручки",
        "sum of open amount x win probability from its stage",
        "сумма открытых сделок x вероятность выигрыша с их стадии", "money", True, "deal_log",
        "Expected money from the open pipeline, by historical win rates per stage.",
        "Ожидаемые деньги от открытых сделок по историческим вероятностям стадий."),
    Kpi("pipeline_velocity", "Pipeline velocity", "Скорость воронки",
        "open deals x win rate x average deal / sales cycle days",
        "открытые сделки x доля выигранных x средний чек / дней цикла", "money", True,
        "deal_log", "Money the pipeline turns into per day.",
        "Сколько денег воронка приносит в день."),
)

_FORECAST = (
    # --- forecast: the pipeline forecast's parts, the next months and their backtest ---
    Kpi("win_probability", "Win probability from a stage", "Вероятность выигрыша со стадии",
        "won deals / closed (won + lost) deals that reached the stage",
        "выигранные сделки / закрытые (выигранные + проигранные), дошедшие до стадии", "ratio",
        True, "forecast", "From the whole deal log; a won deal reached every stage.",
        "По всему журналу сделок; выигранная сделка прошла все стадии."),
    Kpi("pipeline_expected", "Expected from a stage's open deals",
        "Ожидаемое от открытых сделок стадии",
        "(open amount + open deals without amount x average deal) x win probability",
        "(сумма открытых + открытые без суммы x средний чек) x вероятность выигрыша", "money",
        True, "forecast",
        "One part of the revenue forecast: open deals whose furthest stage is this one; a deal "
        "without an amount counts at the log's average won deal.",
        "Часть прогноза выручки: открытые сделки, дошедшие до этой стадии; сделка без суммы "
        "считается по среднему чеку журнала."),
    Kpi("payments_next_months", "Payments, next 3 months", "Оплаты, следующие 3 месяца",
        "ETS: l + (phi + ... + phi^h) b + s_(t+h-12); 80 % interval: +- 1.2816 sigma_h, "
        "sigma_h^2 = sigma^2 (1 + sum_(j<h) (alpha + beta (phi + ... + phi^j))^2)",
        "ETS: l + (phi + ... + phi^h) b + s_(t+h-12); 80 % интервал: +- 1,2816 sigma_h, "
        "sigma_h^2 = sigma^2 (1 + sum_(j<h) (alpha + beta (phi + ... + phi^j))^2)", "count",
        True, "forecast",
        "Paid count of the last stage: ETS(A,Ad,A) with 36+ complete months (every backtest "
        "origin has two years behind it), ETS(A,Ad,N) with 8 to 35, least squares; "
        "seasonal-naive instead when the model does not beat it on 6+ backtest points.",
        "Число оплат последней стадии: ETS(A,Ad,A) от 36 полных месяцев (у каждой точки "
        "бэктеста два года истории), ETS(A,Ad,N) от 8 до 35, метод наименьших квадратов; "
        "сезонно-наивный, если модель не точнее его хотя бы на 6 точках бэктеста."),
    Kpi("revenue_next_months", "Revenue, next 3 months", "Выручка, следующие 3 месяца",
        "as payments_next_months, on monthly revenue", "как payments_next_months, по выручке",
        "money", True, "forecast",
        "Monthly revenue forecast the same way, with its 80 % interval.",
        "Прогноз помесячной выручки тем же способом, с 80 % интервалом."),
    Kpi("seasonal_naive", "Seasonal-naive forecast", "Сезонно-наивный прогноз",
        "y_(t+h-12): the same month a year before (the last value with under 13 months)",
        "y_(t+h-12): тот же месяц год назад (последнее значение, если месяцев меньше 13)",
        "count", None, "forecast",
        "The benchmark; its 80 % interval is +- 1.2816 sigma with sigma from the seasonal "
        "differences (the monthly ones for the last value, x sqrt(h)).",
        "Эталон для сравнения; его 80 % интервал — +- 1,2816 sigma, sigma по разностям с годом "
        "назад (по помесячным разностям для последнего значения, x sqrt(h))."),
    Kpi("forecast_mape", "Forecast MAPE", "MAPE прогноза",
        "mean |actual - forecast| / |actual| over origins in the last 12 months, h = 1..3",
        "среднее |факт - прогноз| / |факт| по точкам прогноза в последних 12 месяцах, h = 1..3",
        "ratio", False, "forecast",
        "Rolling-origin backtest: each origin fits on the months before it; months with 0 are "
        "left out.",
        "Проверка со скользящей точкой: модель строится по месяцам до точки; месяцы с 0 не "
        "учитываются."),
    Kpi("seasonal_naive_mape", "Seasonal-naive MAPE", "MAPE сезонно-наивного",
        "forecast_mape of the seasonal-naive forecast on the same points",
        "forecast_mape сезонно-наивного прогноза на тех же точках", "ratio", False, "forecast",
        "The model is the headline only when its MAPE is lower than this.",
        "Модель — главный прогноз, только если её MAPE ниже этого."),
    Kpi("forecast_coverage_80", "80 % interval coverage", "Покрытие 80 % интервала",
        "backtest actuals inside the 80 % interval / backtest points",
        "факты проверки внутри 80 % интервала / точки проверки", "ratio", None, "forecast",
        "Near 80 % when the interval is honest; lower means it is too narrow.",
        "Около 80 %, если интервал честный; ниже — интервал слишком узкий."),
)
_ALL = (*_ALL, *_FORECAST)
# --- verdicts beyond noise (funnel_kpi.report.verdicts) ---
_VERDICTS = (
    Kpi("segment_vs_rest", "Segment against the rest", "Сегмент против остальных",
        "z = (x_s / n_s - x_r / n_r) / sqrt(p (1 - p) (1 / n_s + 1 / n_r)), "
        "p = (x_s + x_r) / (n_s + n_r); p-value = erfc(|z| / sqrt 2), Holm-adjusted",
        "z = (x_s / n_s - x_r / n_r) / sqrt(p (1 - p) (1 / n_s + 1 / n_r)), "
        "p = (x_s + x_r) / (n_s + n_r); p-значение = erfc(|z| / sqrt 2), с поправкой Холма",
        "ratio", None, "verdict",
        "A manager or channel (s) against all the others pooled (r), on win rate and "
        "lead-to-payment conversion: the two-proportion z-test, its p-values adjusted by Holm "
        "across the field's segments (when three or more); better or worse when the adjusted "
        "p-value is below 0.05, else no difference found; not enough data when a side has "
        "fewer than 30 trials or fewer than 5 expected successes or failures (n p, n (1 - p)).",
        "Менеджер или канал (s) против всех остальных вместе (r) по доле выигранных и конверсии "
        "из лида в оплату: z-тест двух долей, p-значения с поправкой Холма по сегментам поля "
        "(если их три и больше); "
        "лучше или хуже, если поправленное p-значение ниже 0,05, иначе разницы не найдено; "
        "мало данных, если у стороны меньше 30 испытаний или меньше 5 ожидаемых успехов или "
        "неудач (n p, n (1 - p))."),
    Kpi("control_limits", "Control limits (p-chart)", "Контрольные границы (p-карта)",
        "p ± 3 sqrt(p (1 - p) / n); p = sum n_i / sum n_(i-1) over the 12 complete months "
        "before, n = this month's n_(i-1)",
        "p ± 3 sqrt(p (1 - p) / n); p = сумма n_i / сумма n_(i-1) за 12 полных месяцев до, "
        "n = n_(i-1) этого месяца",
        "ratio", None, "verdict",
        "A step's usual range of conversion, from the leads stage on; the latest complete "
        "month outside it is a finding. Needs 6 months of history.",
        "Обычный диапазон конверсии шага, от стадии лидов; последний полный месяц вне его — "
        "находка. Нужно 6 месяцев истории."),
)
_ALL = (*_ALL, *_VERDICTS)

_PLAN = (
    # --- plan: the month's gap to its plan, and backwards from a target (report.plan) ---
    Kpi("plan_gap", "Gap to plan", "Отклонение от плана",
        "fact - plan (revenue; the paid count for a plan of payments)",
        "факт - план (выручка; число оплат для плана оплат)", "money", True, "plan",
        "How far the month missed (below 0) or beat its plan.",
        "Насколько месяц не добрал (меньше 0) или перевыполнил план."),
    Kpi("plan_expected_volume", "Volume the plan needed", "Объём, нужный плану",
        "plan x sum n_1 / sum revenue over the 3 complete months before",
        "план x сумма n_1 / сумма выручки за 3 полных месяца до",
        "count", None, "plan",
        "The first stage's count the plan needed at the trailing funnel: the plan's expected "
        "conversions and average deal are the trailing pooled ones (sum n_i / sum n_(i-1), "
        "sum revenue / sum paid).",
        "Сколько нужно было на первой стадии для плана при воронке прошлых месяцев: ожидаемые "
        "конверсии и средний чек плана — суммарные за прошлые месяцы (сумма n_i / сумма "
        "n_(i-1), сумма выручки / сумма оплат)."),
    Kpi("plan_gap_part", "Part of the gap", "Вклад в отклонение",
        "L(fact, plan) x ln(x_fact / x_expected), L(a, b) = (a - b) / (ln a - ln b); x: the "
        "first stage's count, each step conversion, the average deal",
        "L(факт, план) x ln(x_факт / x_ожид), L(a, b) = (a - b) / (ln a - ln b); x: число на "
        "первой стадии, конверсия каждого шага, средний чек", "money", None, "plan",
        "Log (LMDI) decomposition: the parts add up to the gap exactly whatever the factors' "
        "order; where a factor is 0, chain substitution in funnel order.",
        "Логарифмическое разложение (LMDI): вклады в сумме точно равны отклонению при любом "
        "порядке факторов; при нулевом факторе — цепные подстановки в порядке воронки."),
    Kpi("needed_stage_count", "Needed at stage", "Нужно на стадии",
        "target x sum n_k / sum revenue over the last 6 complete months (= target / average "
        "deal / the step conversions after k)",
        "цель x сумма n_k / сумма выручки за 6 последних полных месяцев (= цель / средний чек "
        "/ конверсии шагов после k)", "count", None, "plan",
        "Backwards funnel: what a target needs at each stage; the range is the least and the "
        "most any of those months' own funnel would need.",
        "Обратная воронка: сколько нужно на каждой стадии для цели; диапазон — наименьшее и "
        "наибольшее по собственной воронке каждого из этих месяцев."),
    Kpi("needed_budget", "Needed marketing budget", "Нужный маркетинговый бюджет",
        "target x sum marketing spend / sum revenue over the same months (= needed leads x CPL)",
        "цель x сумма маркетингового бюджета / сумма выручки за те же месяцы (= нужные лиды x "
        "CPL)", "money", None, "plan",
        "The marketing budget a target needs at the trailing CPL and funnel, with the months' "
        "least and most.",
        "Маркетинговый бюджет, нужный для цели при CPL и воронке прошлых месяцев, с наименьшим "
        "и наибольшим по месяцам."),
)
_ALL = (*_ALL, *_PLAN)

# --- spreadsheet functions: what a user computes from cells ---------------------------------------
# The Excel functions (excel_udfs), KPI(), the docs, ``sheets-sync kpis``, GET /api/v1/kpis and the
# Sheets and Office add-on are generated from FUNCTIONS and CELL_KPIS; ``call`` runs one by name.
# Adding a KPI a user computes from cells: its Kpi above, its formula in funnel_kpi.formulas, a
# Function here (or a line in CELL_KPIS when an existing function computes it), and its test.

# Units of an argument: a KPI unit, "number" (any number), "date", "text" or "month" (1..12).
ArgUnit = Literal["count", "ratio", "times", "money", "days", "months", "number", "date", "text",
                  "month"]
NUMBER_UNITS = frozenset({"count", "ratio", "times", "money", "days", "months", "number"})
ARG_UNIT_NAMES: Mapping[str, tuple[str, str]] = MappingProxyType({
    **UNIT_NAMES, "number": ("number", "число"), "date": ("date", "дата"),
    "text": ("text", "текст"), "month": ("month 1-12 or a date", "месяц 1-12 или дата"),
})
Cleaned = float | int | str | date | None
CleanArg = Cleaned | Sequence[Cleaned]
Result = Value | tuple[Value, ...]  # a tuple spills as a column


class CallError(ValueError):
    """A call that cannot be made sense of (arity, a wrong choice, ranges of different lengths):
    the message in English and Russian, shown in the cell by the spreadsheet functions."""

    def __init__(self, en: str, ru: str) -> None:
        super().__init__(f"{en} / {ru}")
        self.en, self.ru = en, ru


@dataclass(frozen=True, slots=True)
class Arg:
    """One argument of a spreadsheet function. ``choices``: each accepted value first, then the
    other spellings it accepts (case does not matter); a choice argument is cleaned to the first.
    ``same_length_as``: the range argument this one pairs with, cell for cell."""

    name: str
    unit: ArgUnit
    en: str
    ru: str
    array: bool = False
    optional: bool = False
    default: float | str | None = None
    choices: tuple[tuple[str, ...], ...] = ()
    same_length_as: str | None = None

    def help(self, lang: str = "en") -> str:
        return self.ru if lang == "ru" else self.en

    def usage(self) -> str:
        return f"[{self.name}]" if self.optional else self.name

    def choose(self, text: str | None) -> str | None:
        """The choice that ``text`` spells; a blank is the default, but not inside a range (a
        stage without its owner); CallError else."""
        blank = text is None or not text.strip()
        if blank and not self.array:
            if self.default is None and not self.optional:  # LOSSSHARE's owner: whose share?
                raise CallError(f"{self.name}: give one of {self._allowed()}",
                                f"{self.name}: укажите одно из {self._allowed()}")
            return None if self.default is None else str(self.default)
        key = (text or "").strip().casefold()
        for spellings in self.choices:
            if key in (s.casefold() for s in spellings):
                return spellings[0]
        allowed = self._allowed()
        raise CallError(f"{self.name}: {text!r} is not one of {allowed}",
                        f"{self.name}: {text!r} — допустимо {allowed}")

    def _allowed(self) -> str:
        return ", ".join(s for c in self.choices for s in c if s.isascii())


@dataclass(frozen=True, slots=True)
class Function:
    """A spreadsheet function: its Excel-safe name, the KPI whose name, formula and description
    are its help (or its own ``en``/``ru`` text), its arguments, and the formula ``call`` runs on
    cleaned arguments (None: the function builds a table from ranges, excel_udfs.adapters)."""

    name: str
    kpi: str | None
    args: tuple[Arg, ...]
    formula: Callable[..., Result] | None
    en: str = ""
    ru: str = ""

    def usage(self) -> str:
        return f"{self.name}({', '.join(a.usage() for a in self.args)})"

    def arg(self, name: str) -> Arg:
        return next(a for a in self.args if a.name == name)

    def help(self, limit: int = 255) -> str:
        """The description in English and Russian: the longest of a few forms that fits
        ``limit`` characters (Excel's limit for a function's description is 255)."""
        usage = self.usage()
        forms: tuple[str, ...]
        if self.kpi is None:
            forms = (f"{usage}: {self.en} / {self.ru}",)
        else:
            k = REGISTRY[self.kpi]
            forms = (
                f"{usage}: {k.en} = {k.formula}. {k.description} / {k.ru}: {k.description_ru}",
                f"{usage}: {k.en} = {k.formula}. {k.description} / {k.ru}",
                f"{usage}: {k.en} = {k.formula} / {k.ru}",
            )
        return next((f for f in forms if len(f) <= limit), forms[-1][:limit])


def _a(name: str, unit: ArgUnit, en: str, ru: str, **options: Any) -> Arg:
    return Arg(name, unit, en, ru, **options)


OWNER = (("marketing", "маркетинг", "m"), ("sales", "продажи", "s"))
_OPTIONAL = ("Optional: ", "Необязательно: ")
ARGS: Mapping[str, Arg] = MappingProxyType({a.name: a for a in (
    _a("from_count", "count", "Count at the earlier stage", "Количество на более ранней стадии"),
    _a("to_count", "count", "Count at the later stage", "Количество на более поздней стадии"),
    _a("stage_counts", "count", "Counts of the stages in funnel order: one row or one column",
       "Количество по стадиям по порядку воронки: одна строка или один столбец", array=True),
    _a("stage_names", "text", "Names of the stages, as many as counts",
       "Названия стадий, столько же, сколько чисел", array=True, same_length_as="stage_counts"),
    _a("owners", "text", "Optional: owner of each stage, marketing or sales (default: from the "
       "names)", "Необязательно: чей этап, маркетинг или продажи (по умолчанию — по названиям)",
       array=True, optional=True, choices=OWNER),
    _a("spend", "money", "Marketing spend", "Маркетинговый бюджет"),
    _a("leads", "count", "Leads", "Лиды"),
    _a("paid", "count", "Paid deals", "Оплаченные сделки"),
    _a("count", "count", "Count at the stage (visits, leads, ...)",
       "Количество на стадии (визиты, лиды, ...)"),
    _a("new_customers", "count", "New (paying) customers", "Новые (оплатившие) клиенты"),
    _a("sales_cost", "money", "Optional: cost of sales (blank counts as 0)",
       "Необязательно: затраты на продажи (пусто — 0)", optional=True),
    _a("revenue", "money", "Revenue of the period", "Выручка за период"),
    _a("deals", "count", "Paid deals", "Оплаченные сделки"),
    _a("customers", "count", "Active customers", "Активные клиенты"),
    _a("won", "count", "Won deals", "Выигранные сделки"),
    _a("lost", "count", "Lost deals", "Проигранные сделки"),
    _a("average_check", "money", "Average check (average deal)", "Средний чек"),
    _a("purchases_per_period", "number", "Purchases per customer per period",
       "Покупок на клиента за период"),
    _a("lifetime_periods", "months", "Customer lifetime in periods (1 / churn)",
       "Срок жизни клиента в периодах (1 / отток)"),
    _a("margin", "ratio", "Optional gross margin as a ratio, 0.3 for 30% (default 1)",
       "Необязательно: маржа долей, 0,3 для 30% (по умолчанию 1)", optional=True, default=1.0),
    _a("revenue_per_customer", "money", "ARPU: revenue per customer per period",
       "ARPU: выручка на клиента за период"),
    _a("churn_rate", "ratio", "Churn per period, as a ratio", "Отток за период, долей"),
    _a("lifetime_value", "money", "LTV of a customer", "LTV клиента"),
    _a("acquisition_cost", "money", "CAC: cost of acquiring a customer",
       "CAC: стоимость привлечения"),
    _a("churned", "count", "Customers lost in the period", "Ушедшие за период клиенты"),
    _a("customers_at_start", "count", "Customers at the start of the period",
       "Клиенты на начало периода"),
    _a("fact", "number", "Fact: revenue (or paid count)", "Факт: выручка (или число оплат)"),
    _a("plan", "number", "Plan of the same measure", "План того же показателя"),
    _a("current", "number", "Value of this period", "Значение этого периода"),
    _a("previous", "number", "Value of the earlier period", "Значение прошлого периода"),
    _a("start_dates", "date", "Dates the stage was reached (one row or column)",
       "Даты начала стадии (строка или столбец)", array=True),
    _a("end_dates", "date", "Dates the next stage was reached, same length",
       "Даты следующей стадии, столько же", array=True, same_length_as="start_dates"),
    _a("open_stages", "text", "Stage of each open deal", "Стадия каждой открытой сделки",
       array=True),
    _a("open_amounts", "money", "Amount of each open deal", "Сумма каждой открытой сделки",
       array=True, same_length_as="open_stages"),
    _a("win_probabilities", "ratio", "Win probability from each of those stages",
       "Вероятность выигрыша с каждой из этих стадий", array=True, same_length_as="stage_names"),
    _a("fact_so_far", "number", "Fact of the month so far (revenue, or paid count)",
       "Факт месяца на сегодня (выручка или число оплат)"),
    _a("days_elapsed", "days", "Days of the month elapsed", "Прошло дней месяца"),
    _a("days_in_period", "days", "Days in the month", "Дней в месяце"),
    _a("opportunities", "count", "Open deals", "Открытые сделки"),
    _a("win_rate", "ratio", "Win rate, as a ratio", "Доля выигранных, долей"),
    _a("average_deal", "money", "Average deal", "Средний чек"),
    _a("cycle_days", "days", "Sales cycle in days", "Цикл сделки в днях"),
    _a("periods", "date", "Dates of the months (one row or column)",
       "Даты месяцев (строка или столбец)", array=True),
    _a("values", "number", "Value of each month (paid, or revenue), same length",
       "Значение каждого месяца (оплаты или выручка), столько же", array=True,
       same_length_as="periods"),
    _a("month", "month", "Optional: the month, a date or 1-12 (default: a column of all 12)",
       "Необязательно: месяц, дата или 1-12 (по умолчанию — столбец всех 12)", optional=True),
)})


def _args(*items: str | Arg) -> tuple[Arg, ...]:
    return tuple(ARGS[i] if isinstance(i, str) else i for i in items)


def _fn(name: str, kpi: str | None, formula: Callable[..., Result] | None, *args: str | Arg,
        en: str = "", ru: str = "") -> Function:
    return Function(name, kpi, _args(*args), formula, en, ru)


_KIND = _a("kind", "text", "Optional: relative (default) or absolute",
           "Необязательно: relative (относительный, по умолчанию) или absolute", optional=True,
           default="relative", choices=(("relative", "rel", "%", "относительный"),
                                        ("absolute", "abs", "абсолютный")))
_STAT = _a("stat", "text", "Optional: mean (default) or median",
           "Необязательно: mean (среднее) или median", optional=True, default="mean",
           choices=(("mean", "average", "среднее"), ("median", "медиана")))
_BOTTLENECK_KIND = _a("kind", "text", "Optional: conversion or loss (default: both rows)",
                      "Необязательно: conversion или loss (по умолчанию обе строки)",
                      optional=True, choices=(("conversion", "конверсия"), ("loss", "потери")))
_OWNERS = replace(ARGS["owners"], en="Owner of each stage: marketing or sales",
                  ru="Чей этап: маркетинг или продажи", optional=False,
                  same_length_as="stage_counts")
_OWNER = _a("owner", "text", "Whose share: marketing or sales", "Чья доля: маркетинг или продажи",
            choices=OWNER)
_TABLE_NAMES = replace(ARGS["stage_names"], en="Stages of the probability table",
                       ru="Стадии таблицы вероятностей", same_length_as=None)
_MONTHLY_ARPU = replace(ARGS["revenue_per_customer"], en="ARPU: monthly revenue per customer",
                        ru="ARPU: выручка на клиента в месяц")

FUNCTIONS: Mapping[str, Function] = MappingProxyType({f.name: f for f in (
    _fn("CONVERSION", "step_conversion", F.conversion, "from_count", "to_count"),
    _fn("CONVERSIONS", None, F.step_conversions, "stage_counts",
        en="step conversions n_i / n_(i-1), one per step, spilled in the orientation of the "
           "input.",
        ru="Конверсии шагов n_i / n_(i-1), по одной на шаг, в том же направлении, что и данные."),
    _fn("FUNNEL", None, None, "stage_names", "stage_counts", "owners",
        en="a table, one row per stage: stage, count, step conversion, cumulative conversion, "
           "drop-off, owner.",
        ru="Таблица: стадия, количество, конверсия шага, накопленная, отвал, владелец."),
    _fn("BOTTLENECK", None, None, "stage_names", "stage_counts", _BOTTLENECK_KIND, "owners",
        en="rows of from, to, value, owner for the step of lowest conversion and of largest "
           "loss.",
        ru="Узкое место: шаг с наименьшей конверсией и с наибольшими потерями."),
    _fn("OVERALL", "overall_conversion", F.overall_conversion, "stage_counts"),
    _fn("DROPOFF", "drop_off", F.drop_off, "from_count", "to_count"),
    _fn("DROPOFFRATE", "drop_off_rate", F.drop_off_rate, "from_count", "to_count"),
    _fn("COSTPERUNIT", "cost_per_stage_unit", F.cost_per_unit, "spend", "count"),
    _fn("LOSSSHARE", None, F.loss_share, "stage_counts", _OWNERS, _OWNER,
        en="lost at steps ending in the owner's stages / lost at all steps from leads on "
           "(counts from leads).",
        ru="Доля потерь: потери на шагах, ведущих в стадии владельца / все потери от лидов."),
    _fn("LOSTLEADSCOST", "lost_leads_cost", F.lost_leads_cost, "spend", "leads", "paid"),
    _fn("CPL", "cpl", F.cpl, "spend", "leads"),
    _fn("CAC", "cac", F.cac, "spend", "new_customers", "sales_cost"),
    _fn("DEALSIZE", "average_deal", F.average_deal, "revenue", "deals"),
    _fn("ARPU", None, F.arpu, "revenue", "customers",
        en="revenue / customers, revenue per customer.",
        ru="Выручка на клиента: выручка / клиенты."),
    _fn("WINRATE", "win_rate", F.win_rate, "won", "lost"),
    _fn("LTV", "ltv_simple", F.ltv, "average_check", "purchases_per_period",
        "lifetime_periods", "margin"),
    _fn("LTV_CONTRACTUAL", "ltv_contractual", F.ltv_contractual, "revenue_per_customer",
        "churn_rate", "margin"),
    _fn("LTVCAC", "ltv_cac", F.ltv_cac, "lifetime_value", "acquisition_cost"),
    _fn("PAYBACK", "payback_months", F.payback_months, "acquisition_cost", _MONTHLY_ARPU,
        "margin"),
    _fn("CHURN", "churn_rate", F.churn_rate, "churned", "customers_at_start"),
    _fn("PLANFACT", "plan_fact", F.plan_fact, "fact", "plan"),
    _fn("RUNRATE", "run_rate_projection", F.run_rate_projection, "fact_so_far",
        "days_elapsed", "days_in_period"),
    _fn("GROWTHRATE", None, F.change, "current", "previous", _KIND,
        en='(current - previous) / |previous|, or the difference with kind "absolute".',
        ru="Рост: (текущее - прошлое) / |прошлое|, или разница."),
    _fn("SEASONALINDEX", "seasonal_index", F.seasonal_index_of, "periods", "values", "month"),
    _fn("STAGETIME", None, F.stage_days, "start_dates", "end_dates", _STAT,
        en="mean or median whole days from start to end, over rows with both dates (end "
           "before start is left out).",
        ru="Дней на стадии: среднее или медиана."),
    _fn("REVENUEFORECAST", "forecast_revenue", F.forecast_from_deals, "open_stages",
        "open_amounts", _TABLE_NAMES, "win_probabilities"),
    _fn("PIPELINEVELOCITY", "pipeline_velocity", F.pipeline_velocity, "opportunities",
        "win_rate", "average_deal", "cycle_days"),
)})

# KPI id -> the function that computes it from cells, and the arguments that KPI fixes
# (KPI("median_days_in_stage", starts, ends) is STAGETIME(starts, ends, "median")).
CELL_KPIS: Mapping[str, tuple[str, Mapping[str, str]]] = MappingProxyType({
    **dict.fromkeys(("step_conversion", "cumulative_conversion", "lead_to_payment_conversion",
                     "marketing_conversion", "handoff_acceptance", "sales_conversion"),
                    ("CONVERSION", {})),
    "drop_off": ("DROPOFF", {}), "drop_off_rate": ("DROPOFFRATE", {}),
    "cost_per_stage_unit": ("COSTPERUNIT", {}), "overall_conversion": ("OVERALL", {}),
    "marketing_loss_share": ("LOSSSHARE", {"owner": "marketing"}),
    "sales_loss_share": ("LOSSSHARE", {"owner": "sales"}),
    "lost_leads_cost": ("LOSTLEADSCOST", {}), "cpl": ("CPL", {}), "cac": ("CAC", {}),
    "average_deal": ("DEALSIZE", {}),
    **dict.fromkeys(("revenue_growth", "average_deal_growth"),
                    ("GROWTHRATE", {"kind": "relative"})),
    "plan_fact": ("PLANFACT", {}), "run_rate_projection": ("RUNRATE", {}),
    "ltv_simple": ("LTV", {}), "ltv_contractual": ("LTV_CONTRACTUAL", {}),
    "ltv_cac": ("LTVCAC", {}), "payback_months": ("PAYBACK", {}), "churn_rate": ("CHURN", {}),
    "seasonal_index": ("SEASONALINDEX", {}), "win_rate": ("WINRATE", {}),
    **dict.fromkeys(("avg_days_in_stage", "sales_cycle_days", "first_response_days",
                     "proposal_prep_days", "contract_prep_days"), ("STAGETIME", {"stat": "mean"})),
    "median_days_in_stage": ("STAGETIME", {"stat": "median"}),
    "forecast_revenue": ("REVENUEFORECAST", {}), "pipeline_velocity": ("PIPELINEVELOCITY", {}),
})


def _attach(k: Kpi) -> Kpi:
    found = CELL_KPIS.get(k.id)
    if found is None:
        return k
    name, preset = found
    return replace(k, function=name, preset=tuple(preset.items()))


_ALL = tuple(_attach(k) for k in _ALL)
REGISTRY: Mapping[str, Kpi] = MappingProxyType({k.id: k for k in _ALL})


def get(kpi_id: str) -> Kpi:
    """The KPI with this id; a KeyError that names the close matches otherwise."""
    try:
        return REGISTRY[kpi_id]
    except KeyError:
        close = difflib.get_close_matches(str(kpi_id), list(REGISTRY), n=3, cutoff=0.5)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise KeyError(f"unknown KPI id {kpi_id!r}{hint}") from None


def ids(scope: Scope | None = None) -> tuple[str, ...]:
    return tuple(k.id for k in _ALL if scope is None or k.scope == scope)


# --- running a spreadsheet function -----------------------------------------------------------

def function(name: str) -> Function:
    """The spreadsheet function of this name (any case); CallError naming close matches."""
    found = FUNCTIONS.get(str(name).strip().upper())
    if found is None:
        close = difflib.get_close_matches(str(name).upper(), list(FUNCTIONS), n=3, cutoff=0.6)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise CallError(f"unknown function {name!r}{hint}", f"неизвестная функция {name!r}")
    return found


def kpi_function(kpi: Kpi) -> Function | None:
    return FUNCTIONS[kpi.function] if kpi.function else None


def kpi_args(kpi: Kpi) -> tuple[Arg, ...]:
    """The arguments a user gives for this KPI: its function's, less those the KPI fixes."""
    fn = kpi_function(kpi)
    fixed = dict(kpi.preset)
    return () if fn is None else tuple(a for a in fn.args if a.name not in fixed)


def kpi_usage(kpi: Kpi) -> str:
    """How a cell computes this KPI, e.g. 'STAGETIME(start_dates, end_dates, "median")'; ""
    for a KPI no spreadsheet function computes."""
    fn = kpi_function(kpi)
    if fn is None:
        return ""
    fixed = dict(kpi.preset)
    shown = [f'"{fixed[a.name]}"' if a.name in fixed else a.usage() for a in fn.args]
    return f"{fn.name}({', '.join(shown)})"


def call(function_name: str, args: Sequence[CleanArg]) -> Result:
    """Run a spreadsheet function on cleaned arguments: numbers as float (or None for a blank),
    dates as ``date``, texts as ``str``, a range as a list of those, in the order of its
    ``args``; trailing optional arguments may be left out. CallError for a call that cannot be
    made sense of; an undefined KPI is a ``Value`` with a reason, as in the report."""
    fn = function(function_name)
    if fn.formula is None:
        raise CallError(f"{fn.name} builds a table from ranges: call it from a spreadsheet",
                        f"{fn.name} строит таблицу по диапазонам: вызывайте её в таблице")
    required = sum(1 for a in fn.args if not a.optional)
    if not required <= len(args) <= len(fn.args):
        raise CallError(f"use {fn.usage()}", f"вызов: {fn.usage()}")
    given = [*args, *(a.default for a in fn.args[len(args):])]
    values = {a.name: _clean(a, x) for a, x in zip(fn.args, given, strict=True)}
    for a in fn.args:
        other = values.get(a.same_length_as or "")
        mine = values[a.name]
        if isinstance(other, list) and isinstance(mine, list) and len(other) != len(mine):
            pair = f"{a.same_length_as} and {a.name}"
            raise CallError(f"{pair} must have as many cells ({len(other)} and {len(mine)})",
                            f"в {a.same_length_as} и {a.name} должно быть поровну ячеек "
                            f"({len(other)} и {len(mine)})")
    return fn.formula(*values.values())


def _clean(arg: Arg, x: CleanArg) -> Any:
    if arg.array:
        if x is None and arg.optional:
            return None
        if not isinstance(x, list | tuple):
            raise CallError(f"{arg.name}: give a range (a list)",
                            f"{arg.name}: нужен диапазон (список)")
        return [_one(arg, v) for v in x]
    if isinstance(x, list | tuple):
        raise CallError(f"{arg.name}: give one value", f"{arg.name}: нужно одно значение")
    return _one(arg, x)


def _one(arg: Arg, x: object) -> Any:
    if arg.choices:
        if x is not None and not isinstance(x, str):
            raise _wrong(arg, x)
        return arg.choose(x)
    if x is None:
        return None
    if arg.unit in NUMBER_UNITS:
        if isinstance(x, bool) or not isinstance(x, int | float):
            raise _wrong(arg, x)
        return float(x) if math.isfinite(x) else None
    if arg.unit == "date":
        if isinstance(x, datetime):
            return x.date()
        if not isinstance(x, date):
            raise _wrong(arg, x)
        return x
    if arg.unit == "month":
        if isinstance(x, date):
            return x.month
        if isinstance(x, bool) or not isinstance(x, int | float) or x not in range(1, 13):
            raise CallError(f"{arg.name}: give a date or a month number 1-12",
                            f"{arg.name}: укажите дату или номер месяца 1-12")
        return int(x)
    if not isinstance(x, str):
        raise _wrong(arg, x)
    return x


def _wrong(arg: Arg, x: object) -> CallError:
    en, ru = ARG_UNIT_NAMES[arg.unit]
    return CallError(f"{arg.name}: {x!r} is not a {en}", f"{arg.name}: {x!r} — не {ru}")


def _arg_json(a: Arg) -> dict[str, Any]:
    return {"name": a.name, "unit": a.unit, "array": a.array, "optional": a.optional,
            "default": a.default, "choices": [list(c) for c in a.choices],
            "same_length_as": a.same_length_as, "help": {"en": a.en, "ru": a.ru}}


def catalogue() -> dict[str, Any]:
    """The registry as JSON: every KPI (with the function that computes it from cells and the
    arguments a user gives) and every spreadsheet function with its arguments and help."""
    kpis = [{"id": k.id, "name": {"en": k.en, "ru": k.ru},
             "formula": {"en": k.formula, "ru": k.formula_ru},
             "description": {"en": k.description, "ru": k.description_ru},
             "unit": k.unit, "higher_is_better": k.higher_is_better, "scope": k.scope,
             "function": k.function, "usage": kpi_usage(k) or None,
             "args": [_arg_json(a) for a in kpi_args(k)]} for k in _ALL]
    functions = [{"name": f.name, "kpi": f.kpi, "usage": f.usage(), "help": f.help(),
                  "args": [_arg_json(a) for a in f.args]} for f in FUNCTIONS.values()]
    return {"kpis": kpis, "functions": functions}


def direction_text(kpi: Kpi, lang: str = "en") -> str:
    if kpi.higher_is_better is None:
        return "—"
    if lang == "ru":
        return "больше — лучше" if kpi.higher_is_better else "меньше — лучше"
    return "higher is better" if kpi.higher_is_better else "lower is better"


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def arg_text(a: Arg, lang: str = "en") -> str:
    """One argument for people: 'margin (ratio, optional, default 1): Optional gross margin...'."""
    ru = lang == "ru"
    unit = ARG_UNIT_NAMES[a.unit][1 if ru else 0]
    notes = [f"{unit}, {'диапазон' if ru else 'range'}" if a.array else unit]
    if a.optional:
        notes.append("необязательный" if ru else "optional")
    if a.default is not None:
        shown = f"{a.default:g}" if isinstance(a.default, float) else a.default
        notes.append(f"{'по умолчанию' if ru else 'default'} {shown}")
    if a.choices:
        notes.append(" | ".join(c[0] for c in a.choices))
    return f"{a.name} ({', '.join(notes)}): {a.help(lang)}"


def markdown(lang: str = "en") -> str:
    """The registry as a Markdown document (docs/kpis.md is this text)."""
    ru = lang == "ru"
    head = ("id", "название", "формула", "единица", "направление", "описание",
            "функция в таблице") if ru else (
        "id", "name", "formula", "unit", "direction", "description", "spreadsheet function")
    lines = [
        "# Показатели" if ru else "# KPIs",
        "",
        ("Создано из funnel_kpi/registry.py; не править вручную." if ru
         else "Generated from funnel_kpi/registry.py; do not edit by hand."),
        "",
        "| " + " | ".join(head) + " |",
        "|" + "---|" * len(head),
    ]
    for k in _ALL:
        unit = UNIT_NAMES[k.unit][1 if ru else 0]
        usage = kpi_usage(k)
        row = (f"`{k.id}`", k.name(lang), k.formula_text(lang), unit, direction_text(k, lang),
               k.description_ru if ru else k.description, f"`{usage}`" if usage else "—")
        lines.append("| " + " | ".join(_cell(c) for c in row) + " |")
    lines += [
        "",
        "## Функции для таблиц" if ru else "## Spreadsheet functions",
        "",
        ("Одни и те же функции в Excel (excel_udfs) и в дополнении для таблиц; [x] — "
         "необязательный аргумент. KPI(id, ...) считает любой показатель из таблицы выше по id "
         "или названию с аргументами его функции." if ru else
         "The same functions in Excel (excel_udfs) and in the spreadsheet add-on; [x] is an "
         "optional argument. KPI(id, ...) computes any KPI of the table above by id or name, "
         "with the arguments its function shows."),
        "",
        "| функция | аргументы |" if ru else "| function | arguments |",
        "|---|---|",
    ]
    for f in FUNCTIONS.values():
        args = "<br>".join(_cell(arg_text(a, lang)) for a in f.args)
        lines.append(f"| `{f.usage()}` | {args} |")
    return "\n".join(lines) + "\n"
