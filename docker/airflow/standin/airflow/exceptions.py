class AirflowException(Exception):
    """A task failure Airflow retries while retries are left."""


class AirflowFailException(AirflowException):
    """A task failure Airflow does not retry."""
