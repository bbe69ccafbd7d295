from airflow.models import BaseOperator


class PythonOperator(BaseOperator):
    template_fields = ("op_kwargs",)

    def __init__(self, task_id, python_callable, op_kwargs=None, **kwargs):
        super().__init__(task_id=task_id, **kwargs)
        self.python_callable = python_callable
        self.op_kwargs = dict(op_kwargs or {})

    def execute(self, context):
        return self.python_callable(**self.op_kwargs)
