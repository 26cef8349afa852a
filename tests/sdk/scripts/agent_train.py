"""A training script for the agent tests: argparse, a connected dict and a
connected configuration, so that edited values can be seen in its output."""
import argparse
import os
import time

from clearml import Task

p = argparse.ArgumentParser()
p.add_argument("--lr", type=float, default=0.1)
p.add_argument("--steps", type=int, default=5)
p.add_argument("--sleep", type=float, default=0.0)
args = p.parse_args()
task = Task.init(project_name="agents", task_name="agent run")
params = task.connect({"batch_size": 32})
net = task.connect_configuration({"layers": 2}, name="net")
print(f"lr={args.lr} steps={args.steps} batch_size={params['batch_size']} layers={net['layers']} "
      f"remote={not task.running_locally()} pid={os.getpid()}", flush=True)
for i in range(args.steps):
    task.get_logger().report_scalar("loss", "train", value=args.lr / (i + 1), iteration=i)
    print(f"step {i}", flush=True)
    time.sleep(args.sleep)
