"""Task.query_tasks pages past the 500-task page size."""
import json
import sys

from clearml import Task

ids = Task.query_tasks(project_name="many")
print(json.dumps({"count": len(ids), "unique": len(set(ids))}), file=sys.stderr)
