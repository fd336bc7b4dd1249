"""`warning user add|list|remove`: who may sign in to the review desk, and as what."""

from __future__ import annotations

import getpass
import json
import sys
from typing import Annotated

import typer
from rich.table import Table

from warning.cliutil import DEFAULT_CONFIG, ConfigOption, fail, open_store, out, settings_from
from warning.models import User
from warning.times import as_utc
from warning.users import Role, hash_password

user_app = typer.Typer(no_args_is_help=True, help="Review-desk users (argon2-hashed passwords).")


@user_app.command("add")
def add(
    name: str,
    role: Annotated[Role, typer.Option(help="viewer reads; analyst also acts; admin: all.")],
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
    config: ConfigOption = DEFAULT_CONFIG,
) -> None:
    """Add a user (or replace one of that name: its sessions end). The password comes
    from a prompt, or its first line on standard input with --password-stdin."""
    if not name.strip() or len(name) > 80 or any(c.isspace() for c in name):
        fail(["NAME: one word of at most 80 characters"])
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    elif sys.stdin.isatty():
        password = getpass.getpass("Password: ")
        if getpass.getpass("Again: ") != password:
            fail(["the two passwords differ"])
    else:
        fail(["no terminal to ask for the password: give it with --password-stdin"])
    try:
        hashed = hash_password(password)
    except ValueError as exc:
        fail([str(exc)])
    settings = settings_from(config, secrets=False)
    open_store(settings, write=True).save_user(
        User(name=name, role=role.value, password_hash=hashed)
    )
    out.print(f"user {name} ({role.value}) saved", markup=False)


@user_app.command("list")
def list_users(
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON list.")] = False,
    config: ConfigOption = DEFAULT_CONFIG,
) -> None:
    """Users and their roles (never their password hashes)."""
    settings = settings_from(config, secrets=False)
    users = open_store(settings).users()
    if as_json:
        shown = [
            {"name": u.name, "role": u.role, "created_at": as_utc(u.created_at).isoformat()}
            for u in users
        ]
        print(json.dumps(shown))
        return
    table = Table("name", "role", "added (UTC)")
    for u in users:
        table.add_row(u.name, u.role, as_utc(u.created_at).strftime("%Y-%m-%d %H:%M"))
    out.print(table if users else "no users yet: `warning user add NAME --role admin`")


@user_app.command("remove")
def remove(name: str, config: ConfigOption = DEFAULT_CONFIG) -> None:
    """Remove a user; their sessions end at once."""
    settings = settings_from(config, secrets=False)
    if not open_store(settings, write=True).remove_user(name):
        fail([f"no user named {name!r}"], code=1)
    out.print(f"user {name} removed", markup=False)
