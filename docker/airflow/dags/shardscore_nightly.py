"""shardscore in Airflow: score one run date per DAG run, idempotently.

Three DAGs:
- shardscore_nightly: SparkSubmitOperator (Apache Spark provider) submits the shaded jar.
- shardscore_nightly_no_provider: for sites without the Spark provider; runs the same command
  line and maps shardscore's exit codes to Airflow outcomes (2 and 3 fail without retry).
- shardscore_burst: on-prem -> cloud burst: score into the cloud store, then `sync` the
  committed result back on-prem, moving only the shards that differ.

A rerun or retry of a date is idempotent: the run id is the date, the output folder is the date's,
and the output mode is incremental, so a committed date is not scored again and a failed attempt
resumes the shards that finished. max_active_runs=1 keeps one writer per output.

Paths come from the environment of the Airflow workers (defaults below).
"""

import os
import subprocess
from datetime import datetime, timedelta

from airflow import DAG
from airflow.exceptions import AirflowException, AirflowFailException
from airflow.operators.python import PythonOperator
from airflow.providers.apache.spark.operators.spark_submit import SparkSubmitOperator

HOME = os.environ.get("SHARDSCORE_HOME", "/opt/shardscore")
APP_JAR = os.environ.get("SHARDSCORE_APP_JAR", f"{HOME}/jars/shardscore.jar")
LAUNCHER = os.environ.get("SHARDSCORE_LAUNCHER", f"{HOME}/bin/shardscore")
JOB_FILE = os.environ.get("SHARDSCORE_JOB", f"{HOME}/conf/churn-nightly.yaml")
INPUT_ROOT = os.environ.get("SHARDSCORE_INPUT_ROOT", "s3a://warehouse/customers")
OUTPUT_ROOT = os.environ.get("SHARDSCORE_OUTPUT_ROOT", "s3a://warehouse/churn-scores")
ONPREM_ROOT = os.environ.get("SHARDSCORE_ONPREM_ROOT", "hdfs:///data/churn-scores")

DS = "{{ ds }}"

# shardscore's exit codes (README "Exit codes") that a retry cannot fix.
NO_RETRY = {
    2: "configuration or input error: fix what the log names",
    3: "too many rows could not be scored: look at the rejected rows the log names",
}

SPARK_CONF = {
    "spark.driver.extraJavaOptions": "-Dai.djl.offline=true",
    "spark.executor.extraJavaOptions": "-Dai.djl.offline=true",
    "spark.executorEnv.DJL_OFFLINE": "true",
    "spark.executorEnv.OPT_OUT_TRACKING": "true",
}

DEFAULT_ARGS = {
    "owner": "ml-platform",
    "retries": 3,
    "retry_delay": timedelta(minutes=5),
    "retry_exponential_backoff": True,
    "max_retry_delay": timedelta(hours=1),
    "execution_timeout": timedelta(hours=4),
}


def run_args(output_root):
    """The `shardscore run` arguments for one run date (templated with {{ ds }})."""
    return [
        "run",
        "--config", JOB_FILE,
        "--input", f"{INPUT_ROOT}/dt={DS}",
        "--output", f"{output_root}/dt={DS}",
        "--incremental",
        "--run-id", DS,
    ]


def run_shardscore(command):
    """Runs one shardscore command; exit codes 2 and 3 fail the task without retry."""
    code = subprocess.run(command, check=False).returncode
    if code == 0:
        return
    if code in NO_RETRY:
        raise AirflowFailException(
            f"shardscore exited {code} ({NO_RETRY[code]}); a retry would fail the same way")
    raise AirflowException(
        f"shardscore exited {code}; Airflow retries it and the rerun resumes the shards that finished")


def spark_submit_run(task_id, name, output_root):
    """A SparkSubmitOperator that runs `shardscore run` for one run date into output_root."""
    return SparkSubmitOperator(
        task_id=task_id,
        application=APP_JAR,
        java_class="io.shardscore.job.cli.ShardscoreCommand",
        name=name,
        conf=SPARK_CONF,
        application_args=run_args(output_root),
    )


def nightly_dag(dag_id, description):
    return DAG(
        dag_id=dag_id,
        description=description,
        schedule="@daily",
        start_date=datetime(2026, 11, 1),
        catchup=False,
        max_active_runs=1,
        default_args=DEFAULT_ARGS,
        tags=["shardscore"],
    )


with nightly_dag("shardscore_nightly", "Score one run date with spark-submit") as nightly:
    spark_submit_run("score", "shardscore-{{ ds }}", OUTPUT_ROOT)

with nightly_dag("shardscore_nightly_no_provider",
                 "Score one run date without the Spark provider") as nightly_no_provider:
    PythonOperator(
        task_id="score",
        python_callable=run_shardscore,
        op_kwargs={"command": [LAUNCHER, *run_args(OUTPUT_ROOT)]},
    )

CLOUD_ROOT = os.environ.get("SHARDSCORE_CLOUD_ROOT", "s3a://burst/churn-scores")

with nightly_dag("shardscore_burst", "Score in the cloud store, sync the result on-prem") as burst:
    score_in_cloud = spark_submit_run("score_in_cloud", "shardscore-burst-{{ ds }}", CLOUD_ROOT)
    sync_back = PythonOperator(
        task_id="sync_back",
        python_callable=run_shardscore,
        op_kwargs={"command": [LAUNCHER, "sync",
                               "--from", f"{CLOUD_ROOT}/dt={DS}",
                               "--to", f"{ONPREM_ROOT}/dt={DS}"]},
    )
    score_in_cloud >> sync_back
