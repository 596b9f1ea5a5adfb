"""Screenshot the first screen of a run's audit report (docs/audit_report.png for the README).

    python docs/audit_report_screenshot.py --run-id RUN_ID [--tracking-uri URI] [-o PNG]

Builds the report from MLflow (as ``riskdistill report`` does), renders it, and has headless
Chromium (Debian package ``chromium``) take a 1400 x 1000 screenshot of the top of the page.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import tempfile
from pathlib import Path

import mlflow

from risk_models.reports import build_audit_report, write_audit_report

HERE = Path(__file__).resolve().parent


def screenshot(run_id: str, tracking_uri: str, out: Path) -> Path:
    """Write the first screen of ``run_id``'s report to ``out`` (PNG) and return the path."""
    browser = shutil.which("chromium") or shutil.which("google-chrome")
    if browser is None:
        raise SystemExit("headless Chromium not found; install the Debian package `chromium`")
    client = mlflow.MlflowClient(tracking_uri=tracking_uri, registry_uri=tracking_uri)
    report = build_audit_report(run_id, client=client)
    with tempfile.TemporaryDirectory() as tmp:
        html, _ = write_audit_report(report, tmp)
        out.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [
                browser,
                "--headless",
                "--disable-gpu",
                "--no-sandbox",
                "--hide-scrollbars",
                f"--screenshot={out}",
                "--window-size=1400,1000",
                html.as_uri(),
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run-id", required=True)
    parser.add_argument("--tracking-uri", default="sqlite:///mlflow.db")
    parser.add_argument("-o", "--output", type=Path, default=HERE / "audit_report.png")
    args = parser.parse_args()
    print(screenshot(args.run_id, args.tracking_uri, args.output))


if __name__ == "__main__":
    main()
