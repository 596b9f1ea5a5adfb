"""One logged run (with a hostile feature name), shared by the report tests."""

from __future__ import annotations

import pytest

from tests.reports.fake_run import FakeRun, log_fake_run


@pytest.fixture(scope="package")
def fake_run(tmp_path_factory: pytest.TempPathFactory) -> FakeRun:
    return log_fake_run(tmp_path_factory.mktemp("report_run"), hostile=True)


@pytest.fixture(scope="package")
def report_dict(fake_run: FakeRun) -> dict:
    import mlflow

    from risk_models.reports import build_audit_report

    client = mlflow.MlflowClient(tracking_uri=fake_run.uri, registry_uri=fake_run.uri)
    return build_audit_report(fake_run.run_id, client=client).to_dict()
