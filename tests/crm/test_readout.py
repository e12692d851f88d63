"""The read-out of `sheets-sync inspect` for every CRM fixture, pinned: each column's role and
evidence, which default pipeline the stages were matched to, and the status."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.crm.exports import FIXTURES
from tests.crm.test_crm_exports import write_xlsx

AMOCRM_RU_COLUMNS = {
    'ID': ('id', None, 'alias'),
    'Название сделки': ('name', None, 'alias'),
    'Бюджет': ('amount', None, 'alias'),
    'Этап сделки': ('pipeline_stage', None, 'alias'),
    'Воронка': ('pipeline', None, 'alias'),
    'Ответственный': ('manager', None, 'alias'),
    'Дата создания': ('created', None, 'alias'),
    'Дата закрытия': ('closed', None, 'alias'),
    'Причина отказа': ('lost_reason', None, 'alias'),
    'utm_source': ('channel', None, 'alias'),
}
KOMMO_EN_COLUMNS = {
    'ID': ('id', None, 'alias'),
    'Lead name': ('name', None, 'alias'),
    'Sale': ('amount', None, 'alias'),
    'Pipeline': ('pipeline', None, 'alias'),
    'Lead status': ('pipeline_stage', None, 'alias'),
    'Responsible user': ('manager', None, 'alias'),
    'Date created': ('created', None, 'alias'),
    'Closed at': ('closed', None, 'alias'),
    'Loss reason': ('lost_reason', None, 'alias'),
    'Source': ('channel', None, 'alias'),
}
BITRIX24_RU_COLUMNS = {
    'ID': ('id', None, 'alias'),
    'Название': ('name', None, 'alias'),
    'Стадия сделки': ('pipeline_stage', None, 'alias'),
    'Сумма': ('amount', None, 'alias'),
    'Валюта': ('currency', None, 'alias'),
    'Ответственный': ('manager', None, 'alias'),
    'Дата создания': ('created', None, 'alias'),
    'Дата завершения': ('closed', None, 'alias'),
    'Источник': ('channel', None, 'alias'),
    'Направление': ('pipeline', None, 'alias'),
}
HUBSPOT_EN_COLUMNS = {
    'Record ID': ('id', None, 'alias'),
    'Deal Name': ('name', None, 'alias'),
    'Deal Stage': ('pipeline_stage', None, 'alias'),
    'Amount': ('amount', None, 'alias'),
    'Create Date': ('created', None, 'alias'),
    'Close Date': ('closed', None, 'alias'),
    'Deal owner': ('manager', None, 'alias'),
    'Original Source': ('channel', None, 'alias'),
    'Pipeline': ('pipeline', None, 'alias'),
}
PIPEDRIVE_EN_COLUMNS = {
    'Deal - ID': ('id', None, 'alias'),
    'Deal - Title': ('name', None, 'alias'),
    'Deal - Value': ('amount', None, 'alias'),
    'Deal - Currency of Value': ('currency', None, 'alias'),
    'Deal - Status': ('status', None, 'alias'),
    'Deal - Stage': ('pipeline_stage', None, 'alias'),
    'Deal - Owner': ('manager', None, 'alias'),
    'Deal - Deal created': ('created', None, 'alias'),
    'Deal - Deal closed on': ('closed', None, 'alias'),
    'Deal - Won time': ('paid_date', None, 'alias'),
    'Deal - Lost time': ('lost_date', None, 'alias'),
    'Deal - Lost reason': ('lost_reason', None, 'alias'),
    'Deal - Source': ('channel', None, 'alias'),
    'Deal - Expected close date': ('expected_close', None, 'alias'),
}
SALESFORCE_EN_COLUMNS = {
    'Opportunity Name': ('name', None, 'alias'),
    'Account Name': ('customer_id', None, 'alias'),
    'Stage': ('pipeline_stage', None, 'alias'),
    'Amount': ('amount', None, 'alias'),
    'Close Date': ('closed', None, 'alias'),
    'Created Date': ('created', None, 'alias'),
    'Opportunity Owner': ('manager', None, 'alias'),
    'Lead Source': ('channel', None, 'alias'),
    'Won': ('won_flag', None, 'alias'),
    'Closed': ('closed_flag', None, 'alias'),
    'Probability (%)': ('probability', None, 'alias'),
}

# fixture -> (status, how the stage column's note begins, role/key/evidence per header)
EXPECTED: dict[str, tuple[str, str, dict[str, tuple[str, str | None, str]]]] = {
    'amocrm_ru': ('ok', 'amoCRM default pipeline', AMOCRM_RU_COLUMNS),
    'amocrm_ru_typed': ('ok', 'amoCRM default pipeline', AMOCRM_RU_COLUMNS),
    'kommo_en': ('ok', 'Kommo default pipeline', KOMMO_EN_COLUMNS),
    'bitrix24_ru': ('ok', 'Bitrix24 default pipeline', BITRIX24_RU_COLUMNS),
    'bitrix24_ru_ids': ('ok', 'Bitrix24 default pipeline', BITRIX24_RU_COLUMNS),
    'hubspot_en': ('ok', 'HubSpot default pipeline', HUBSPOT_EN_COLUMNS),
    'hubspot_en_internal_values': ('ok', 'HubSpot default pipeline', HUBSPOT_EN_COLUMNS),
    'pipedrive_en': ('ok', 'Pipedrive default pipeline', PIPEDRIVE_EN_COLUMNS),
    'salesforce_en': ('ok', 'Salesforce default pipeline', SALESFORCE_EN_COLUMNS),
    'salesforce_en_true_false': ('ok', 'Salesforce default pipeline', SALESFORCE_EN_COLUMNS),
    'hubspot_unknown_stage': ('check', 'HubSpot default pipeline', HUBSPOT_EN_COLUMNS),
}


@pytest.mark.parametrize("build", FIXTURES, ids=lambda b: b.__name__)
def test_inspect_read_out(build, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    fixture = build()
    status, pipeline, columns = EXPECTED[fixture.name]
    path = tmp_path / f"{fixture.name}.xlsx"
    write_xlsx(fixture, path)
    out = subprocess.run([sys.executable, "-m", "sheets_sync", "inspect", str(path), "--format",
                          "json", "--today", fixture.today.isoformat()],
                         capture_output=True, text=True, timeout=120, check=False)
    assert out.returncode == (0 if status == "ok" else 3), out.stderr
    d = json.loads(out.stdout)
    assert d["status"] == status
    read = {c["header"]: (c["role"], c["key"], c["evidence"]) for c in d["tabs"][0]["columns"]}
    assert read == columns
    stage = next(c for c in d["tabs"][0]["columns"] if c["role"] == "pipeline_stage")
    assert stage["note"].startswith(pipeline)
    assert all(len(c["samples"]) >= 1 for c in d["tabs"][0]["columns"])
