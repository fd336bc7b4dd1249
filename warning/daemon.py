"""`warning run`: poll each source on its interval with APScheduler until SIGTERM or Ctrl-C.

Polling and scoring run one job at a time on one worker thread (a slow source delays the
other sources); sending runs on a worker of its own, so a slow feed never holds back a
critical message. Each delivery is claimed alone before it is sent (warning/outbox.py).
"""

from __future__ import annotations

import gc
import logging
import signal
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import STATE_STOPPED

from warning.config import Settings
from warning.liveness import BEAT, Heartbeat
from warning.pipeline import Service
from warning.reload import Reloader
from warning.sources import Intake
from warning.store import Store
from warning.web import WebServer, create_app

log = logging.getLogger(__name__)
HOST_RETRY = timedelta(seconds=1)  # a poll whose host was busy is tried again after this
PENDING_EVERY = 2.0  # seconds between looks for unscored reports
DELIVER_EVERY = 1.0  # seconds between looks for due deliveries


def source_job(service: Service, name: str, scheduler: BackgroundScheduler) -> None:
    """Poll one source on the polling pool (polling.concurrency threads); what it stored is
    scored by the scoring worker (`pending_job`, every PENDING_EVERY seconds). A poll still
    queued when the daemon stops returns at once: stopping waits only for those under way."""
    if scheduler.state == STATE_STOPPED:
        return
    try:
        if service.poll(name).busy:  # its host's slots are taken: again soon, not next interval
            retry = datetime.now(UTC) + HOST_RETRY
            scheduler.modify_job(f"source:{name}", next_run_time=retry)
    except Exception:  # keep the daemon alive; the next run tries again
        log.exception("source %s: run failed", name)


def pending_job(service: Service) -> None:
    """Score what arrived without a poll (POSTed reports)."""
    try:
        service.score_pending(keep=False)
    except Exception:
        log.exception("scoring run failed")


def delivery_job(service: Service) -> None:
    """Send what is due, on the sending worker."""
    try:
        service.deliver_due()
    except Exception:
        log.exception("delivery run failed")


def reload_job(reloader: Reloader, scheduler: BackgroundScheduler, web: Web) -> None:
    try:
        if reloader.check():
            schedule_sources(scheduler, reloader.service)
            service = reloader.service
            web.sync(service.settings, service.intake, service.store)
    except Exception:
        log.exception("reload failed; the last good configuration keeps running")


def schedule_sources(scheduler: BackgroundScheduler, service: Service) -> None:
    """One interval job per configured source; jobs of sources no longer configured go."""
    wanted = {f"source:{s.name}": s for s in service.settings.sources if s.name in service.sources}
    for job in scheduler.get_jobs():
        if job.id.startswith("source:") and job.id not in wanted:
            job.remove()
    now = datetime.now().astimezone()
    for job_id, source in wanted.items():
        existing = scheduler.get_job(job_id)
        if existing and existing.trigger.interval.total_seconds() == source.every:
            continue
        scheduler.add_job(
            source_job,
            "interval",
            args=(service, source.name, scheduler),
            seconds=source.every,
            id=job_id,
            executor="polls",
            next_run_time=now,
            coalesce=True,
            max_instances=1,
            misfire_grace_time=None,
            replace_existing=True,
        )


def build_scheduler(service: Service, config: Path | None, web: Web) -> BackgroundScheduler:
    executors = {
        "default": ThreadPoolExecutor(1),  # scoring (one scorer) and reloads, in turn
        "polls": ThreadPoolExecutor(service.settings.polling.concurrency),
        "sending": ThreadPoolExecutor(1),
        "heartbeat": ThreadPoolExecutor(1),
    }
    scheduler = BackgroundScheduler(executors=executors, timezone="UTC")
    scheduler.add_job(
        web.heartbeat.beat,
        "interval",
        seconds=BEAT,
        id="heartbeat",
        executor="heartbeat",
        next_run_time=datetime.now(UTC),
        coalesce=True,
        max_instances=1,
        misfire_grace_time=None,
    )
    schedule_sources(scheduler, service)
    scheduler.add_job(
        delivery_job,
        "interval",
        args=(service,),
        seconds=DELIVER_EVERY,
        id="deliver",
        executor="sending",
        coalesce=True,
        max_instances=1,
        misfire_grace_time=None,
    )
    scheduler.add_job(
        pending_job,
        "interval",
        args=(service,),
        seconds=PENDING_EVERY,
        id="pending",
        coalesce=True,
        max_instances=1,
        misfire_grace_time=None,
    )
    if service.settings.reload.enabled:
        reloader = Reloader.watching(service, config)
        scheduler.add_job(
            reload_job,
            "interval",
            args=(reloader, scheduler, web),
            seconds=service.settings.reload.every,
            id="reload",
            coalesce=True,
            max_instances=1,
            misfire_grace_time=None,
        )
    return scheduler


class Web:
    """The web app (POST /api/reports, the links in messages), served while it is enabled
    or an `http` source wants it; restarted when a reload changes its settings or the
    `http` sources."""

    def __init__(self) -> None:
        self.server: WebServer | None = None
        self.serving: tuple = ()
        self.heartbeat = Heartbeat()  # the scheduler's, shown by /healthz

    def sync(self, settings: Settings, intake: Intake, store: Store | None = None) -> None:
        wanted = (settings.web, tuple(s for s in settings.sources if s.kind == "http"))
        if wanted == self.serving:
            return
        self.stop()
        self.serving = wanted
        if settings.web.enabled or wanted[1]:
            app = create_app(settings, intake, store, self.heartbeat)
            self.server = WebServer(app, settings.web)
            self.server.start()
            log.info("web app listening on %s", self.server.url)

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()
            self.server = None


def freeze_loaded() -> None:
    """Move what is loaded so far (the gazetteer's 390,000 objects, the rules and the
    classifier) out of the garbage collector's sight: they live as long as the process (a
    reload keeps the gazetteer), and every full collection walked them all, a pause of
    about 170 ms in the middle of scoring (bench/gc_bench.py)."""
    gc.collect()
    gc.freeze()


def run_forever(service: Service, config: Path | None = None) -> None:
    """Run until SIGTERM or SIGINT; finish the job under way, then return."""
    stop = threading.Event()

    def request_stop(signum: int, _frame: object) -> None:
        log.info("received %s; stopping after the current job", signal.Signals(signum).name)
        stop.set()

    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    freeze_loaded()
    web = Web()
    web.sync(service.settings, service.intake, service.store)
    scheduler = build_scheduler(service, config, web)
    scheduler.start()
    log.info(
        "running: %d source(s), %d channel(s); Ctrl-C to stop",
        len(service.settings.sources),
        len(service.settings.channels),
    )
    try:
        while not stop.wait(0.5):
            pass
    finally:
        web.stop()
        scheduler.shutdown(wait=True)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        log.info("stopped")
