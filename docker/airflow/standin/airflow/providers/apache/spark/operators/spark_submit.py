import os
import subprocess

from airflow.exceptions import AirflowException
from airflow.models import BaseOperator


class SparkSubmitOperator(BaseOperator):
    """Builds the spark-submit command line as the provider's SparkSubmitHook does and runs it.

    The master comes from the spark_default connection in Airflow; here from
    AIRFLOW_CONN_SPARK_DEFAULT_MASTER (default yarn, the provider's default).
    """

    template_fields = ("application", "conf", "name", "application_args")

    def __init__(self, task_id, application, java_class=None, name="arrow-spark", conf=None,
                 application_args=None, spark_binary="spark-submit", **kwargs):
        super().__init__(task_id=task_id, **kwargs)
        self.application = application
        self.java_class = java_class
        self.name = name
        self.conf = dict(conf or {})
        self.application_args = list(application_args or [])
        self.spark_binary = spark_binary

    def command(self):
        master = os.environ.get("AIRFLOW_CONN_SPARK_DEFAULT_MASTER", "yarn")
        cmd = [self.spark_binary, "--master", master]
        for key, value in self.conf.items():
            cmd += ["--conf", f"{key}={value}"]
        cmd += ["--name", self.name]
        if self.java_class:
            cmd += ["--class", self.java_class]
        return cmd + [self.application, *self.application_args]

    def execute(self, context):
        cmd = self.command()
        code = subprocess.run(cmd, check=False).returncode
        if code != 0:
            raise AirflowException(f"Cannot execute: {' '.join(cmd)}. Error code is: {code}.")
