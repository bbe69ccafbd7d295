"""A minimal stand-in for the parts of Airflow's API the shardscore DAGs use (tests only).

Airflow is not installable on the development machines. This keeps the same names and the
behaviour the tests rely on: DAG as a context manager with default_args, operators with retries,
>> dependencies, Jinja templating of template_fields (python3-jinja2, StrictUndefined).
"""

from airflow.models import DAG, BaseOperator  # noqa: F401
