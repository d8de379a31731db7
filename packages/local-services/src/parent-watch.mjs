// Loaded with `--import` into a service's own Node process (see `startChroma`): ends the process
// once the one that started it is gone, killed before it could stop its children. The check runs
// in a worker thread because the service may block its main event loop, and it ends the process
// with SIGKILL, which needs no handler of the service to run.
import { Worker } from "node:worker_threads";

const parent = Number(process.env.MBE_PARENT_PID);
if (Number.isInteger(parent) && parent > 0) {
  new Worker(
    `setInterval(() => {
      try {
        process.kill(${parent}, 0);
      } catch (err) {
        if (err.code === "ESRCH") process.kill(process.pid, "SIGKILL");
      }
    }, 1000);`,
    { eval: true },
  ).unref();
}
