"""User-facing texts for problem codes and undefined-value reasons, in English and Russian.

Codes are stable (they appear in JSON); texts may be improved freely.
"""

from __future__ import annotations

# Why a cell or tab could not be used.
PROBLEMS: dict[str, tuple[str, str]] = {
    "not_a_number": ("not a number", "не число"),
    "negative_count": ("a count cannot be negative", "количество не может быть отрицательным"),
    "not_a_date": ("not a date", "не дата"),
    "future_date": ("date is in the future", "дата в будущем"),
    "formula_error": ("the cell holds a formula error", "в ячейке ошибка формулы"),
    "duplicate_period": ("the same month appears twice; the later row is ignored",
                         "месяц повторяется; более поздняя строка не учтена"),
    "missing_period": ("row has numbers but no period", "в строке есть числа, но нет периода"),
    "missing_created": ("deal has no creation date", "у сделки нет даты создания"),
    "dates_out_of_order": ("a later stage is dated before an earlier one",
                           "дата более поздней стадии раньше даты предыдущей"),
    "unknown_status": ("status not recognised (open, won, lost)",
                       "статус не распознан (в работе, выиграна, проиграна)"),
    "duplicate_column": ("the same column appears twice; the first one is used",
                         "столбец повторяется; используется первый"),
    "empty_tab": ("the tab has no data", "во вкладке нет данных"),
    "no_header": ("no funnel header row found", "не найдена строка заголовков воронки"),
    "unknown_stage": ("stage not in the pipeline: the deal is counted as open at the first stage",
                      "этапа нет в воронке: сделка считается открытой на первой стадии"),
    "paid_not_won": ("a paid date on a deal that is not won: not counted as a payment",
                     "дата оплаты у невыигранной сделки: оплатой не считается"),
    "stage_order_guessed": ("the pipeline's stage order was read from the data: check it or "
                            "pin it in funnel.toml [pipeline] order",
                            "порядок этапов определён по данным: проверьте или задайте его в "
                            "funnel.toml [pipeline] order"),
    "several_pipelines": ("deals of more than one pipeline are read as one funnel: filter the "
                          "export to one pipeline, or pin the stage order",
                          "сделки нескольких воронок прочитаны как одна воронка: выгрузите одну "
                          "воронку или задайте порядок этапов"),
    "mixed_currency": ("amounts in more than one currency are added up as they are",
                       "суммы в разных валютах сложены как есть"),
    "stage_by_position": ("a column nobody named read as a stage where it stands (owner guessed)",
                          "неизвестный столбец прочитан как стадия по положению (владелец "
                          "угадан)"),
    "step_grows": ("more than at the stage before: the counts come from different cohorts or "
                   "months, so this step's conversion is not a conversion",
                   "больше, чем на предыдущей стадии: числа из разных когорт или месяцев, "
                   "конверсия шага не имеет смысла"),
    "plan_unit_mismatch": ("fact/plan is outside 1 %–1,000 %: the plan is likely in other units "
                           "(money vs count); left out of plan/fact",
                           "факт/план вне 1 %–1 000 %: план, вероятно, в других единицах "
                           "(деньги или штуки); не учтён в плане/факте"),
    "plan_kind_guessed": ("what the plan plans (money or payments) was read from its size: "
                          "check it or pin it in funnel.toml",
                          "что планирует план (деньги или оплаты), определено по величине: "
                          "проверьте или задайте в funnel.toml"),
    "negative_money": ("money cannot be negative here: left out",
                       "деньги здесь не могут быть отрицательными: значение не учтено"),
    "outlier": ("more than 20 times the column's usual (median) value: check it",
                "больше медианы столбца в 20 с лишним раз: проверьте"),
    "not_a_count": ("numbers that are not whole counts (rates, averages): column ignored",
                    "числа не целые (доли, средние): столбец не учтён"),
}

# Why a KPI value is not defined.
UNDEFINED: dict[str, tuple[str, str]] = {
    "zero_denominator": ("division by zero", "деление на ноль"),
    "no_entries": ("no entries at the earlier stage", "на предыдущей стадии ноль"),
    "missing_input": ("input not in the data", "нет исходных данных"),
    "no_previous_period": ("no previous period", "нет предыдущего периода"),
    "no_year_before": ("no data a year before", "нет данных за год до этого"),
    "no_purchase_frequency": ("purchases per customer per month unknown: set funnel.toml [ltv] "
                              "purchases_per_month, or add customer ids to the deal log",
                              "неизвестно число покупок на клиента в месяц: задайте funnel.toml "
                              "[ltv] purchases_per_month или добавьте клиентов в журнал сделок"),
    "zero_churn": ("churn is zero: lifetime is unbounded",
                   "отток нулевой: срок жизни не ограничен"),
    "no_closed_deals": ("no won or lost deals", "нет выигранных или проигранных сделок"),
    "no_durations": ("no deal has both dates", "ни у одной сделки нет обеих дат"),
    "no_won_deals": ("no won deal with an amount", "нет выигранных сделок с суммой"),
    "pending": ("not final yet (the month is in progress, or its cohort is younger than the "
                "typical sales cycle): not compared",
                "ещё не окончательно (месяц идёт или когорта моложе типичного цикла сделки): "
                "не сравнивается"),
    "one_year_only": ("fewer than two years of data", "данных меньше чем за два года"),
    "no_losses": ("no leads were lost", "потерянных лидов нет"),
    "no_handoff": ("the funnel has no marketing-to-sales handoff",
                   "в воронке нет передачи из маркетинга в продажи"),
    "not_in_progress": ("only for the month in progress", "только для текущего месяца"),
    "not_a_month": ("only for a calendar month", "только для календарного месяца"),
    "no_deals": ("no deals in the log for this period", "в журнале нет сделок за этот период"),
    "not_finite": ("the result is too large to compute", "результат слишком велик"),
    "no_steps_owned": ("the department owns no step of the funnel",
                       "у отдела нет ни одного шага воронки"),
}


def problem_text(code: str, lang: str = "en") -> str:
    en, ru = PROBLEMS.get(code, (code.replace("_", " "), code.replace("_", " ")))
    return ru if lang == "ru" else en


def undefined_text(code: str, lang: str = "en") -> str:
    en, ru = UNDEFINED.get(code, (code.replace("_", " "), code.replace("_", " ")))
    return ru if lang == "ru" else en
