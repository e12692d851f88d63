"""The dashboard's words in English and Russian, and how the language is chosen: the switch
(kept in the session), else the browser's Accept-Language, else English."""

from __future__ import annotations

from typing import Any

from flask import request, session

from funnel_kpi.catalogue import has
from funnel_kpi.catalogue import text as catalogue_text

LANGS = ("en", "ru")

TEXT: dict[str, tuple[str, str]] = {  # key: (en, ru)
    "app": ("Funnel KPIs", "Показатели воронки"),
    "jobs": ("Sync jobs", "Задания синхронизации"),
    "new_job": ("Add a job", "Добавить задание"),
    "sign_in": ("Sign in", "Войти"),
    "sign_out": ("Sign out", "Выйти"),
    "token": ("Token", "Токен"),
    "token_help": ("Paste an API token (make one with `sheets-sync tokens create NAME`).",
                   "Вставьте API-токен (создаётся командой `sheets-sync tokens create ИМЯ`)."),
    "bad_token": ("This token is unknown or revoked.", "Такого токена нет, или он отозван."),
    "needs_https": ("Sign-in needs HTTPS here: open this page over https:// (behind an HTTPS "
                    "proxy, set SHEETS_SYNC_PROXIES=1), or set "
                    "SHEETS_SYNC_SESSION_COOKIE_SECURE=false to allow plain HTTP knowingly.",
                    "Вход здесь возможен только по HTTPS: откройте страницу по https:// (за "
                    "HTTPS-прокси задайте SHEETS_SYNC_PROXIES=1) или задайте "
                    "SHEETS_SYNC_SESSION_COOKIE_SECURE=false, если HTTP допустим."),
    "name": ("Name", "Название"),
    "spreadsheet": ("Spreadsheet", "Таблица"),
    "spreadsheet_help": ("A Google spreadsheet id or URL, or an .xlsx file in the service's "
                         "workbook folder.",
                         "ID или ссылка на Google-таблицу либо файл .xlsx в папке сервиса."),
    "input_tabs": ("Input tabs", "Исходные вкладки"),
    "input_tabs_help": ("Comma-separated; empty: every tab with recognised headers.",
                        "Через запятую; пусто — все вкладки с распознанными заголовками."),
    "output_tab": ("KPI tab", "Вкладка показателей"),
    "output_tab_help": ('Empty: "KPI", or "Показатели" in a Russian spreadsheet.',
                        "Пусто — «Показатели» (или «KPI» в английской таблице)."),
    "schedule": ("Schedule", "Расписание"),
    "cron": ("Cron expression", "Cron-выражение"),
    "cron_help": ("Five fields, e.g. 0 7 * * 1-5 (07:00 on weekdays).",
                  "Пять полей, например 0 7 * * 1-5 (в 07:00 по будням)."),
    "interval": ("or every N minutes", "или каждые N минут"),
    "timezone": ("Time zone", "Часовой пояс"),
    "enabled": ("Enabled", "Включено"),
    "save": ("Add job", "Добавить"),
    "status": ("Status", "Статус"),
    "last_run": ("Last run", "Последний запуск"),
    "next_run": ("Next run", "Следующий запуск"),
    "never": ("never", "не было"),
    "manual_only": ("on demand only", "только вручную"),
    "every_seconds": ("every {n} s", "каждые {n} с"),
    "run_now": ("Run now", "Запустить сейчас"),
    "pause": ("Pause", "Приостановить"),
    "resume": ("Resume", "Возобновить"),
    "delete": ("Delete", "Удалить"),
    "paused": ("Paused", "Приостановлено"),
    "active": ("Active", "Активно"),
    "no_jobs": ("No jobs yet.", "Заданий пока нет."),
    "no_report": ("No report yet: run the job.", "Отчёта пока нет: запустите задание."),
    "readout": ("How the columns were read", "Как прочитаны столбцы"),
    "data_check": ("Check the data: something was ignored or doubted.",
                   "Проверьте данные: что-то не учтено или вызывает сомнение."),
    "data_ok": ("Every column understood, nothing doubted.",
                "Все столбцы поняты, сомнений нет."),
    "column": ("Column", "Столбец"),
    "header": ("Header", "Заголовок"),
    "read_as": ("Read as", "Прочитан как"),
    "how": ("How", "Как"),
    "samples": ("Samples", "Примеры"),
    "inspect": ("Inspect columns", "Проверить столбцы"),
    "pin_help": ("Read wrongly? Pin it in the job's column mapping: one line per column, "
                 "'Header = stage key or field' (e.g. 'Визиты на сайт = traffic', "
                 "'Комментарий = ignore').",
                 "Прочитано неверно? Задайте в сопоставлении столбцов задания: по строке на "
                 "столбец, «Заголовок = ключ стадии или поле» (например, «Визиты на сайт = "
                 "traffic», «Комментарий = ignore»)."),
    "mapping": ("Column mapping (optional)", "Сопоставление столбцов (необязательно)"),
    "mapping_help": ("One line per column: 'Header = role'. Roles: a stage key (traffic, leads, "
                     "qualified, sal, meetings, proposals, contracts, paid), a field (period, "
                     "created, status, stage, amount, closed, channel, manager, plan:revenue, "
                     "plan:paid ...) or ignore. 'pipeline = Stage 1, Stage 2' pins the order of "
                     "a CRM pipeline.",
                     "По строке на столбец: «Заголовок = роль». Роли: ключ стадии (traffic, "
                     "leads, qualified, sal, meetings, proposals, contracts, paid), поле "
                     "(period, created, status, stage, amount, closed, channel, manager, "
                     "plan:revenue, plan:paid ...) или ignore. «pipeline = Этап 1, Этап 2» "
                     "задаёт порядок этапов воронки CRM."),
    "check_run": ("check", "проверить"),
    "funnel_chart": ("Funnel, {period}", "Воронка, {period}"),
    "chart_note": ("Bar length: count on a log scale; the percentage is the step conversion.",
                   "Длина полосы — количество в логарифмической шкале; процент — конверсия "
                   "шага."),
    "bottleneck": ("bottleneck", "узкое место"),
    "marketing": ("Marketing", "Маркетинг"),
    "sales": ("Sales", "Продажи"),
    "kpis": ("KPIs", "Показатели"),
    "kpi": ("KPI", "Показатель"),
    "value": ("Value", "Значение"),
    "mom": ("vs previous month", "к прошлому месяцу"),
    "yoy": ("vs a year before", "к прошлому году"),
    "findings": ("Findings", "Выводы"),
    "notes": ("How the figures were made", "Как получены цифры"),
    "forecast": ("Forecast, next 3 months (80 % interval)", "Прогноз на 3 месяца (80 % интервал)"),
    "month": ("Month", "Месяц"),
    "payments_80": ("Payments", "Оплаты"),
    "revenue_80": ("Revenue", "Выручка"),
    "problems": ("Data problems", "Проблемы в данных"),
    "no_problems": ("None.", "Нет."),
    "more_problems": ("… and {n} more", "… и ещё {n}"),
    "runs": ("Run history", "История запусков"),
    "started": ("Started", "Начало"),
    "trigger": ("Trigger", "Запуск"),
    "duration": ("Time", "Время"),
    "api_calls": ("API calls", "Запросы API"),
    "cells": ("Cells read / written", "Ячеек прочитано / записано"),
    "error": ("Error", "Ошибка"),
    "no_runs": ("No runs yet.", "Запусков пока нет."),
    "cell": ("Cell", "Ячейка"),
    "tab": ("Tab", "Вкладка"),
    "reason": ("Reason", "Причина"),
    "run_running": ("running", "выполняется"),
    "run_written": ("succeeded: written", "успешно: записано"),
    "run_unchanged": ("succeeded: unchanged", "успешно: без изменений"),
    "run_stale": ("written, but the sheet changed meanwhile: the KPI tab may be out of date "
                  "until the next run",
                  "записано, но таблицу меняли во время записи: вкладка показателей может "
                  "отставать до следующего запуска"),
    "run_failed": ("failed", "ошибка"),
    "trigger_schedule": ("schedule", "по расписанию"),
    "trigger_manual": ("manual", "вручную"),
    "trigger_api": ("API", "API"),
    "already_running": ("The job is running now; wait for it to finish.",
                        "Задание уже выполняется; дождитесь окончания."),
    "job_added": ("Job added.", "Задание добавлено."),
    "job_deleted": ("Job deleted.", "Задание удалено."),
    "not_found": ("There is no such page.", "Такой страницы нет."),
    "form_error": ("Check the form: {message}", "Проверьте форму: {message}"),
    "lang_switch": ("Русский", "English"),
    "period": ("Period", "Период"),
    "in_progress": ("in progress", "в процессе"),
    "signed_in_as": ("Token: {name}", "Токен: {name}"),
    # editing a job (dashboard.edit_job)
    "edit": ("Edit", "Изменить"),
    "edit_job": ("Edit {name}", "Изменить: {name}"),
    "save_changes": ("Save changes", "Сохранить"),
    "cancel": ("Cancel", "Отмена"),
    "job_saved": ("Job saved.", "Задание сохранено."),
    "change_output_tab": ("Change the output tab", "Сменить вкладку показателей"),
    # notifications (sheets_sync/notify): the job page's section and the create form
    "notifications": ("Notifications", "Уведомления"),
    "notify_none": ("No notifications set: nobody is told when a run fails.",
                    "Уведомления не настроены: о неудачных запусках никто не узнает."),
    "notify_to": ("Sent to", "Получатели"),
    "notify_events": ("Events", "События"),
    "notify_event_failed": ("failed run", "неудачный запуск"),
    "notify_event_paused": ("job paused", "задание приостановлено"),
    "notify_event_check": ("data to check", "данные требуют проверки"),
    "notify_event_out_of_control": ("step outside its control limits",
                                    "шаг вне контрольных границ"),
    "notify_event_digest": ("weekly digest", "еженедельная сводка"),
    "notify_digest": ("Weekly digest: {day}, {hour}:00 ({tz})",
                      "Еженедельная сводка: {day}, {hour}:00 ({tz})"),
    "notify_nothing_sent": ("Nothing sent yet.", "Пока ничего не отправлено."),
    "notify_time": ("Time", "Время"),
    "notify_channel": ("Channel", "Канал"),
    "notify_target": ("To", "Кому"),
    "notify_outcome": ("Outcome", "Итог"),
    "notify_tries": ("Tries", "Попыток"),
    "notify_sent": ("sent", "отправлено"),
    "notify_failed": ("failed", "не отправлено"),
    "notify_lang": ("Language of the messages", "Язык сообщений"),
    "notify_emails": ("E-mail addresses", "Адреса e-mail"),
    "notify_emails_help": ("Comma-separated. Empty: no e-mail.",
                           "Через запятую. Пусто — без писем."),
    "notify_slack": ("Slack-compatible webhook URLs", "Адреса вебхуков (формат Slack)"),
    "notify_slack_help": ("One per line; only hosts the service allows (WEBHOOK_ALLOWED_HOSTS).",
                          "По одному в строке; только разрешённые сервисом хосты "
                          "(WEBHOOK_ALLOWED_HOSTS)."),
    "notify_telegram": ("Telegram chat ids", "ID чатов Telegram"),
    "notify_telegram_help": ("The service's bot posts there, e.g. -1001234567890.",
                             "Туда пишет бот сервиса, например -1001234567890."),
    "notify_digest_day": ("Weekly digest e-mail", "Еженедельная сводка по e-mail"),
    "notify_digest_none": ("none", "не отправлять"),
    "notify_digest_hour": ("at (hour, the job's time zone)", "в (час, пояс задания)"),
    "weekday_0": ("Monday", "понедельник"),
    "weekday_1": ("Tuesday", "вторник"),
    "weekday_2": ("Wednesday", "среда"),
    "weekday_3": ("Thursday", "четверг"),
    "weekday_4": ("Friday", "пятница"),
    "weekday_5": ("Saturday", "суббота"),
    "weekday_6": ("Sunday", "воскресенье"),
}


def current_lang() -> str:
    chosen = session.get("lang")
    if chosen in LANGS:
        return str(chosen)
    return request.accept_languages.best_match(LANGS, default="en") or "en"


def t(key: str, **kw: Any) -> str:
    if has(key):  # the one catalogue (funnel_kpi/catalogue.toml)
        return catalogue_text(key, current_lang(), **kw)
    en, ru = TEXT[key]
    text = ru if current_lang() == "ru" else en
    return text.format(**kw) if kw else text
