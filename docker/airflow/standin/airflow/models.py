import jinja2

_current_dags = []

_BASE_ARGS = ("retries", "retry_delay", "retry_exponential_backoff", "max_retry_delay",
              "execution_timeout", "owner")


class DAG:
    def __init__(self, dag_id, description=None, schedule=None, start_date=None, catchup=True,
                 max_active_runs=16, default_args=None, tags=None):
        self.dag_id = dag_id
        self.description = description
        self.schedule = schedule
        self.start_date = start_date
        self.catchup = catchup
        self.max_active_runs = max_active_runs
        self.default_args = dict(default_args or {})
        self.tags = list(tags or [])
        self.tasks = {}

    def __enter__(self):
        _current_dags.append(self)
        return self

    def __exit__(self, *exc):
        _current_dags.pop()

    def add_task(self, task):
        if task.task_id in self.tasks:
            raise ValueError(f"task {task.task_id} is already in DAG {self.dag_id}")
        self.tasks[task.task_id] = task


class BaseOperator:
    template_fields = ()

    def __init__(self, task_id, dag=None, **kwargs):
        dag = dag or (_current_dags[-1] if _current_dags else None)
        if dag is None:
            raise ValueError(f"task {task_id} is not in a DAG")
        args = {**dag.default_args, **kwargs}
        unknown = set(args) - set(_BASE_ARGS)
        if unknown:
            raise TypeError(f"invalid arguments for {type(self).__name__}: {sorted(unknown)}")
        self.task_id = task_id
        self.dag = dag
        self.owner = args.get("owner", "airflow")
        self.retries = args.get("retries", 0)
        self.retry_delay = args.get("retry_delay")
        self.retry_exponential_backoff = args.get("retry_exponential_backoff", False)
        self.max_retry_delay = args.get("max_retry_delay")
        self.execution_timeout = args.get("execution_timeout")
        self.upstream_task_ids = set()
        self.downstream_task_ids = set()
        dag.add_task(self)

    def __rshift__(self, other):
        self.downstream_task_ids.add(other.task_id)
        other.upstream_task_ids.add(self.task_id)
        return other

    def render_template_fields(self, context):
        env = jinja2.Environment(undefined=jinja2.StrictUndefined)

        def render(value):
            if isinstance(value, str):
                return env.from_string(value).render(**context)
            if isinstance(value, list):
                return [render(v) for v in value]
            if isinstance(value, dict):
                return {k: render(v) for k, v in value.items()}
            return value

        for field in self.template_fields:
            setattr(self, field, render(getattr(self, field)))

    def execute(self, context):
        raise NotImplementedError
