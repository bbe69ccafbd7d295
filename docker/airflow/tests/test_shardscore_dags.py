"""Tests of docker/airflow/dags/shardscore_nightly.py against the Airflow stand-in.

Imports the DAG file, checks its structure, renders each task's command for two run dates, and
really runs the commands on embedded Spark (spark-submit is a script over Spark's Maven jars,
SparkSubmit in client mode on local[2]), then checks the committed manifests.

  python3 docker/airflow/tests/test_shardscore_dags.py WORK_DIR

Needs the built module (mvn package: the shaded jar and target/launcher-classpath.txt) and
python3-jinja2. Run by AirflowDagIT in `mvn verify`.
"""

import copy
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import unittest
from datetime import timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[2]
MODULE = REPO / "spark-job"
sys.path.insert(0, str(HERE.parent / "standin"))

from airflow.exceptions import AirflowException, AirflowFailException  # noqa: E402

WORK = Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/shardscore-airflow").resolve()
DATES = ("2026-11-30", "2026-12-01")


def write_spark_submit(bin_dir):
    """spark-submit for this machine: SparkSubmit from Spark's Maven jars, with the JVM flags
    Spark's own launcher would add on Java 17 (taken from bin/shardscore)."""
    launcher = (MODULE / "bin" / "shardscore").read_text()
    flags = re.findall(r"^\s+(--add-opens=\S+|-Djdk\.\S+|-Dio\.netty\.\S+)\s*$", launcher, re.M)
    if len(flags) < 5:
        raise AssertionError("could not read the JVM flags from spark-job/bin/shardscore")
    # Spark alone, as on a cluster where Spark is provided (AirflowDagIT passes it); otherwise
    # the module's whole classpath.
    classpath = os.environ.get("SHARDSCORE_SPARK_CLASSPATH") or (
        MODULE / "target" / "launcher-classpath.txt").read_text().strip()
    script = bin_dir / "spark-submit"
    script.write_text(
        "#!/usr/bin/env bash\n"
        f"exec java -Xmx2g -Dlog4j2.configurationFile={MODULE}/conf/log4j2.properties "
        + " ".join(flags)
        + f" -cp '{classpath}' org.apache.spark.deploy.SparkSubmit \"$@\"\n")
    script.chmod(0o755)


def prepare():
    if WORK.exists():
        shutil.rmtree(WORK)
    (WORK / "bin").mkdir(parents=True)
    demo = WORK / "demo"
    subprocess.run([str(MODULE / "bin" / "shardscore"), "demo", "--rows", "20000", "--shards", "4",
                    "--dir", str(demo)], check=True, stdout=subprocess.DEVNULL)
    for ds in DATES:
        shutil.copytree(demo / "customers", WORK / "customers" / f"dt={ds}")
    write_spark_submit(WORK / "bin")
    os.environ.update({
        "PATH": f"{WORK / 'bin'}:{os.environ['PATH']}",
        "SHARDSCORE_LAUNCHER": str(MODULE / "bin" / "shardscore"),
        "SHARDSCORE_APP_JAR": str(MODULE / "target" / "shardscore-spark-job-0.1.0-SNAPSHOT-app.jar"),
        "SHARDSCORE_JOB": str(demo / "job.yaml"),
        "SHARDSCORE_INPUT_ROOT": str(WORK / "customers"),
        "SHARDSCORE_OUTPUT_ROOT": str(WORK / "scores"),
        "SHARDSCORE_CLOUD_ROOT": str(WORK / "cloud-scores"),
        "SHARDSCORE_ONPREM_ROOT": str(WORK / "onprem-scores"),
        "AIRFLOW_CONN_SPARK_DEFAULT_MASTER": "local[2]",
    })


def load_dags():
    spec = importlib.util.spec_from_file_location(
        "shardscore_nightly", REPO / "docker" / "airflow" / "dags" / "shardscore_nightly.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def rendered(task, ds):
    copy_ = copy.deepcopy(task)
    copy_.render_template_fields({"ds": ds})
    return copy_


def command_of(task):
    return task.command() if hasattr(task, "command") else task.op_kwargs["command"]


def run_like_airflow(task, ds, before_try=lambda tries: None):
    """Runs one task instance as Airflow's scheduler would: a failure is retried while retries
    are left, an AirflowFailException ends it at once. Returns (outcome, tries)."""
    tries = 0
    while True:
        tries += 1
        before_try(tries)
        try:
            rendered(task, ds).execute({"ds": ds})
            return "success", tries
        except AirflowFailException:
            return "failed", tries
        except AirflowException:
            if tries > task.retries:
                return "failed", tries


def manifest(output):
    path = output / "_shardscore" / "manifest.json"
    return json.loads(path.read_text()) if path.exists() else None


class DagStructureTest(unittest.TestCase):
    def test_dags_tasks_and_retries(self):
        dags = {d.dag_id: d for d in (DAGS.nightly, DAGS.nightly_no_provider, DAGS.burst)}
        self.assertEqual(set(dags), {"shardscore_nightly", "shardscore_nightly_no_provider",
                                     "shardscore_burst"})
        for dag in dags.values():
            self.assertEqual(dag.max_active_runs, 1, dag.dag_id)
            self.assertFalse(dag.catchup, dag.dag_id)
            self.assertEqual(dag.schedule, "@daily")
            for task in dag.tasks.values():
                self.assertEqual(task.retries, 3)
                self.assertTrue(task.retry_exponential_backoff)
                self.assertEqual(task.execution_timeout, timedelta(hours=4))
        self.assertEqual(set(dags["shardscore_nightly"].tasks), {"score"})
        self.assertEqual(type(dags["shardscore_nightly"].tasks["score"]).__name__,
                         "SparkSubmitOperator")
        self.assertEqual(type(dags["shardscore_nightly_no_provider"].tasks["score"]).__name__,
                         "PythonOperator")
        burst = dags["shardscore_burst"].tasks
        self.assertEqual(burst["score_in_cloud"].downstream_task_ids, {"sync_back"})
        self.assertEqual(burst["sync_back"].upstream_task_ids, {"score_in_cloud"})

    def test_commands_for_two_dates(self):
        for ds in DATES:
            spark = command_of(rendered(DAGS.nightly.tasks["score"], ds))
            plain = command_of(rendered(DAGS.nightly_no_provider.tasks["score"], ds))
            self.assertEqual(spark[:3], ["spark-submit", "--master", "local[2]"])
            self.assertIn(f"shardscore-{ds}", spark)
            self.assertEqual(plain[0], os.environ["SHARDSCORE_LAUNCHER"])
            for cmd in (spark, plain):
                args = cmd[cmd.index("run"):]
                self.assertEqual(args[args.index("--input") + 1],
                                 f"{WORK / 'customers'}/dt={ds}")
                self.assertEqual(args[args.index("--output") + 1], f"{WORK / 'scores'}/dt={ds}")
                self.assertEqual(args[args.index("--run-id") + 1], ds)
                self.assertIn("--incremental", args)
            sync = command_of(rendered(DAGS.burst.tasks["sync_back"], ds))
            self.assertEqual(sync[1:], ["sync", "--from", f"{WORK / 'cloud-scores'}/dt={ds}",
                                        "--to", f"{WORK / 'onprem-scores'}/dt={ds}"])


class RealRunTest(unittest.TestCase):
    def test_shipped_job_file_is_valid_and_fits_the_demo_data(self):
        # docker/airflow/churn-nightly.yaml is what the Airflow image's DAGs run with.
        shipped = REPO / "docker" / "airflow" / "churn-nightly.yaml"
        result = subprocess.run([os.environ["SHARDSCORE_LAUNCHER"], "validate", "--config",
                                 str(shipped)], capture_output=True, text=True)
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)

        def features(text):
            block = text.split("features:", 1)[1]
            return re.findall(r"^\s+- (\S+)\s*$", block.split("\n  outputs:")[0].split(
                "\nscoring:")[0], re.M)

        demo_job = Path(os.environ["SHARDSCORE_JOB"]).read_text()
        self.assertEqual(features(shipped.read_text()), features(demo_job))

    def test_1_spark_submit_scores_one_date(self):
        outcome = run_like_airflow(DAGS.nightly.tasks["score"], DATES[0])
        self.assertEqual(outcome, ("success", 1))
        m = manifest(WORK / "scores" / f"dt={DATES[0]}")
        self.assertEqual((m["version"], m["runId"]), (1, DATES[0]))
        self.assertEqual(sum(s["rows"] + s["errorRows"] for s in m["shards"]), 20000)

    def test_2_no_provider_scores_the_next_date(self):
        outcome = run_like_airflow(DAGS.nightly_no_provider.tasks["score"], DATES[1])
        self.assertEqual(outcome, ("success", 1))
        m = manifest(WORK / "scores" / f"dt={DATES[1]}")
        self.assertEqual((m["version"], m["runId"]), (1, DATES[1]))
        self.assertEqual(sum(s["rows"] + s["errorRows"] for s in m["shards"]), 20000)

    def test_3_rerun_of_a_date_scores_nothing_twice(self):
        output = WORK / "scores" / f"dt={DATES[0]}"
        before = sorted(str(p.relative_to(output)) for p in output.rglob("*.parquet"))
        outcome = run_like_airflow(DAGS.nightly_no_provider.tasks["score"], DATES[0])
        self.assertEqual(outcome, ("success", 1))
        self.assertEqual(manifest(output)["version"], 1)
        after = sorted(str(p.relative_to(output)) for p in output.rglob("*.parquet"))
        self.assertEqual(after, before)

    def test_4_a_date_without_input_fails_without_retry(self):
        outcome = run_like_airflow(DAGS.nightly_no_provider.tasks["score"], "2026-12-02")
        self.assertEqual(outcome, ("failed", 1))
        self.assertIsNone(manifest(WORK / "scores" / "dt=2026-12-02"))

    def test_5_a_retry_after_a_crash_resumes_the_finished_shards(self):
        # The first try's driver stops after every task staged its files and before the commit
        # (shardscore's fault point after-staging, what a killed driver leaves); Airflow retries.
        def arm_crash_on_first_try(tries):
            if tries == 1:
                os.environ["SHARDSCORE_JAVA_OPTS"] = "-Xmx2g -Dshardscore.fault=after-staging"
            else:
                os.environ.pop("SHARDSCORE_JAVA_OPTS", None)

        ds = "2026-12-03"
        shutil.copytree(WORK / "customers" / f"dt={DATES[0]}", WORK / "customers" / f"dt={ds}")
        output = WORK / "scores" / f"dt={ds}"
        outcome = run_like_airflow(DAGS.nightly_no_provider.tasks["score"], ds,
                                   arm_crash_on_first_try)
        self.assertEqual(outcome, ("success", 2))
        m = manifest(output)
        self.assertEqual((m["version"], m["runId"]), (1, ds))
        self.assertEqual(sum(s["rows"] + s["errorRows"] for s in m["shards"]), 20000)
        reports = sorted((output / "_shardscore" / "reports").glob("*.json"))
        self.assertEqual(len(reports), 1)
        statuses = {s["name"]: s["status"] for s in json.loads(reports[0].read_text())["shards"]}
        self.assertEqual(set(statuses.values()), {"resumed"}, statuses)


if __name__ == "__main__":
    prepare()
    DAGS = load_dags()
    unittest.main(argv=[sys.argv[0], "-v"])
