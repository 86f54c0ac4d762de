"""Versioned schema migrations. Each entry moves the schema from version i to i + 1.

Never edit a migration that has shipped: add a new one. The scripts are written in SQLite's
dialect; the PostgreSQL engine rewrites the few types that differ. The engine records how far a
database has come; every migration runs in the same transaction as its version bump.
"""

from __future__ import annotations

MIGRATIONS: tuple[str, ...] = (
    # 1: the first schema.
    """
    CREATE TABLE jump_item_role (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        description TEXT NOT NULL DEFAULT '',
        perm_start INTEGER NOT NULL DEFAULT 0,
        perm_add INTEGER NOT NULL DEFAULT 0,
        perm_remove INTEGER NOT NULL DEFAULT 0,
        perm_assign_jump_group INTEGER NOT NULL DEFAULT 0,
        perm_edit_tag INTEGER NOT NULL DEFAULT 0,
        perm_edit_comments INTEGER NOT NULL DEFAULT 0,
        perm_edit_jump_policy INTEGER NOT NULL DEFAULT 0,
        perm_edit_session_policy INTEGER NOT NULL DEFAULT 0,
        perm_edit_identity INTEGER NOT NULL DEFAULT 0,
        perm_edit_behavior INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE user (
        id INTEGER PRIMARY KEY,
        username TEXT NOT NULL UNIQUE COLLATE NOCASE,
        display_name TEXT NOT NULL,
        is_admin INTEGER NOT NULL DEFAULT 0,
        personal_jump_item_role_id INTEGER NOT NULL REFERENCES jump_item_role(id),
        teams_jump_item_role_id INTEGER NOT NULL REFERENCES jump_item_role(id),
        password_hash TEXT NOT NULL
    );
    CREATE TABLE team (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE
    );
    CREATE TABLE team_member (
        team_id INTEGER NOT NULL REFERENCES team(id) ON DELETE CASCADE,
        user_id INTEGER NOT NULL REFERENCES user(id) ON DELETE CASCADE,
        rank TEXT NOT NULL,
        PRIMARY KEY (team_id, user_id)
    );
    CREATE TABLE jump_group (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE COLLATE NOCASE,
        code_name TEXT NOT NULL DEFAULT '',
        comments TEXT NOT NULL DEFAULT ''
    );
    CREATE TABLE jump_group_member (
        jump_group_id INTEGER NOT NULL REFERENCES jump_group(id) ON DELETE CASCADE,
        user_id INTEGER NOT NULL REFERENCES user(id) ON DELETE CASCADE,
        jump_item_role_id INTEGER NOT NULL REFERENCES jump_item_role(id),
        PRIMARY KEY (jump_group_id, user_id)
    );
    CREATE TABLE jump_policy (
        id INTEGER PRIMARY KEY,
        display_name TEXT NOT NULL,
        code_name TEXT NOT NULL DEFAULT '',
        description TEXT NOT NULL DEFAULT '',
        schedule_enabled INTEGER NOT NULL DEFAULT 1,
        schedule_strict INTEGER NOT NULL DEFAULT 0,
        simultaneous_jumps TEXT NOT NULL DEFAULT 'global',
        ticket_id_required INTEGER NOT NULL DEFAULT 0,
        schedule TEXT NOT NULL DEFAULT '{"timezone": "UTC", "entries": []}'
    );
    CREATE TABLE session_policy (
        id INTEGER PRIMARY KEY,
        display_name TEXT NOT NULL,
        code_name TEXT NOT NULL DEFAULT '',
        description TEXT NOT NULL DEFAULT '',
        permissions TEXT NOT NULL
    );
    CREATE TABLE public_site (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        addresses TEXT NOT NULL,
        is_default INTEGER NOT NULL DEFAULT 0,
        session_policy_id INTEGER REFERENCES session_policy(id) ON DELETE SET NULL
    );
    CREATE TABLE jump_client (
        id INTEGER PRIMARY KEY,
        jump_group_id INTEGER NOT NULL,
        jump_group_type TEXT NOT NULL,
        name TEXT NOT NULL,
        hostname TEXT NOT NULL,
        fqdn TEXT NOT NULL,
        tag TEXT NOT NULL DEFAULT '',
        comments TEXT NOT NULL DEFAULT '',
        jump_policy_id INTEGER REFERENCES jump_policy(id) ON DELETE SET NULL,
        attended_session_policy_id INTEGER REFERENCES session_policy(id) ON DELETE SET NULL,
        unattended_session_policy_id INTEGER REFERENCES session_policy(id) ON DELETE SET NULL,
        public_site_address TEXT NOT NULL,
        customer_client_start_mode TEXT NOT NULL,
        install_mode TEXT NOT NULL,
        connection_type TEXT NOT NULL,
        last_connect_timestamp TEXT,
        last_disconnect_timestamp TEXT,
        last_access_timestamp TEXT,
        expiration_timestamp TEXT,
        is_lost INTEGER NOT NULL DEFAULT 0,
        needs_update INTEGER NOT NULL DEFAULT 0,
        unavailable_reason TEXT NOT NULL DEFAULT 'none',
        operating_system TEXT NOT NULL DEFAULT '',
        public_ip TEXT NOT NULL DEFAULT '',
        private_ip TEXT NOT NULL DEFAULT '',
        console_user TEXT NOT NULL DEFAULT '',
        max_offline_minutes INTEGER NOT NULL DEFAULT 0,
        x_online INTEGER NOT NULL DEFAULT 0,
        x_version TEXT NOT NULL DEFAULT '',
        x_stats TEXT,
        x_gateway TEXT,
        x_mac TEXT,
        x_in_session_by TEXT NOT NULL DEFAULT '[]',
        x_upgrade_state TEXT NOT NULL DEFAULT 'none',
        x_demo INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX jump_client_group ON jump_client (jump_group_type, jump_group_id);
    CREATE INDEX jump_client_name ON jump_client (name COLLATE NOCASE);
    CREATE INDEX jump_client_tag ON jump_client (tag COLLATE NOCASE);
    CREATE INDEX jump_client_hostname ON jump_client (hostname COLLATE NOCASE);
    CREATE TABLE installer (
        id INTEGER PRIMARY KEY,
        installer_id TEXT NOT NULL UNIQUE,
        key_info TEXT NOT NULL DEFAULT '',
        expiration_timestamp TEXT NOT NULL,
        data TEXT NOT NULL
    );
    CREATE TABLE site_settings (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        data TEXT NOT NULL
    );
    CREATE TABLE api_account (
        id INTEGER PRIMARY KEY,
        client_id TEXT NOT NULL UNIQUE,
        name TEXT NOT NULL,
        access TEXT NOT NULL,
        secret_hash TEXT NOT NULL
    );
    CREATE TABLE token (
        token_hash TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        subject_id INTEGER NOT NULL,
        issued_at REAL NOT NULL,
        expires_at REAL NOT NULL
    );
    CREATE INDEX token_subject ON token (kind, subject_id, issued_at);
    CREATE TABLE audit (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        target TEXT NOT NULL,
        detail TEXT NOT NULL DEFAULT '{}'
    );
    """,
    # 2: Jump Client credentials for the agent channel (the secret is stored hashed).
    """
    CREATE TABLE agent_credential (
        jump_client_id INTEGER PRIMARY KEY REFERENCES jump_client(id) ON DELETE CASCADE,
        secret_hash TEXT NOT NULL,
        installer_id TEXT NOT NULL
    );
    """,
    # 3: the SMTP settings for e-mailing installers (one row; the password is kept apart so
    # that no answer built from the settings can carry it).
    """
    CREATE TABLE smtp_settings (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        data TEXT NOT NULL,
        password TEXT NOT NULL DEFAULT ''
    );
    """,
    # 4: Jumpoints, the relays installers may send their clients through.
    """
    CREATE TABLE jumpoint (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL COLLATE NOCASE UNIQUE,
        address TEXT NOT NULL,
        comments TEXT NOT NULL DEFAULT ''
    );
    """,
    # 5: tokens keep the order they were issued in (the newest N of a subject stay valid even
    # when several share a timestamp) in a column of their own, the same on every engine.
    """
    ALTER TABLE token ADD COLUMN seq INTEGER NOT NULL DEFAULT 0;
    """,
    # 6: a representative may be disabled (signing in refused, every sign-in ended).
    """
    ALTER TABLE user ADD COLUMN enabled INTEGER NOT NULL DEFAULT 1;
    """,
    # 7: the audit log is read back (newest first, by item, actor, action or time): each
    # filter walks its own index in id order instead of the whole table.
    """
    CREATE INDEX audit_target ON audit (target, id);
    CREATE INDEX audit_actor ON audit (actor, id);
    CREATE INDEX audit_action ON audit (action, id);
    CREATE INDEX audit_at ON audit (at);
    """,
    # 8: when a Jump Client was installed, so maintenance counts the offline time of one that
    # never connected from then (items from before stay NULL: left alone, as before).
    """
    ALTER TABLE jump_client ADD COLUMN x_created_timestamp TEXT;
    """,
    # 9: the ids of Jump Clients and installers are never given twice: the highest ever used
    # is kept here, so a deleted one's id is not reused (an audit row or a client naming it
    # names no other). The same on both engines, and inside the one write transaction.
    """
    CREATE TABLE id_high_water (
        name TEXT PRIMARY KEY,
        last_id INTEGER NOT NULL
    );
    INSERT INTO id_high_water (name, last_id)
        SELECT 'jump_client', COALESCE(MAX(id), 0) FROM jump_client;
    INSERT INTO id_high_water (name, last_id)
        SELECT 'installer', COALESCE(MAX(id), 0) FROM installer;
    """,
    # 10: a privileged user may manage the installers of the Jump Groups they may add to.
    """
    ALTER TABLE user ADD COLUMN perm_installers INTEGER NOT NULL DEFAULT 0;
    """,
    # 11: teams, Jump Policies and Jumpoints (and who may use them) with every field of
    # BeyondTrust's Config API, and every code name given (its pattern needs one character at
    # least): those left empty get one.
    """
    ALTER TABLE team ADD COLUMN code_name TEXT NOT NULL DEFAULT '';
    ALTER TABLE team ADD COLUMN comments TEXT NOT NULL DEFAULT '';
    ALTER TABLE team ADD COLUMN persistent_queue INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE team ADD COLUMN public_portal_ids TEXT NOT NULL DEFAULT '["All portals"]';
    ALTER TABLE jump_policy ADD COLUMN simultaneous_jump_behavior_applies_to_copies
        INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE jump_policy ADD COLUMN simultaneous_jumps_rdp TEXT NOT NULL DEFAULT 'global';
    ALTER TABLE jump_policy ADD COLUMN two_factor_challenge_required INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE jumpoint ADD COLUMN platform TEXT NOT NULL DEFAULT 'linux-x86';
    ALTER TABLE jumpoint ADD COLUMN code_name TEXT NOT NULL DEFAULT '';
    ALTER TABLE jumpoint ADD COLUMN enabled INTEGER NOT NULL DEFAULT 1;
    ALTER TABLE jumpoint ADD COLUMN clustered INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE jumpoint ADD COLUMN shell_jump_enabled INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE jumpoint ADD COLUMN external_jump_item_network_id TEXT NOT NULL DEFAULT '';
    ALTER TABLE jumpoint ADD COLUMN jzp_enabled INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE jumpoint ADD COLUMN jzp_proxy_hostname TEXT NOT NULL DEFAULT '';
    ALTER TABLE jumpoint ADD COLUMN jzp_proxy_port INTEGER NOT NULL DEFAULT 9555;
    ALTER TABLE jumpoint ADD COLUMN jzp_allow_http_get INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE jumpoint ADD COLUMN jzp_client_address_restrictions_type TEXT NOT NULL
        DEFAULT 'no_restriction';
    ALTER TABLE jumpoint ADD COLUMN jzp_restricted_ips TEXT NOT NULL DEFAULT '[]';
    CREATE TABLE jumpoint_user (
        jumpoint_id INTEGER NOT NULL REFERENCES jumpoint(id) ON DELETE CASCADE,
        user_id INTEGER NOT NULL REFERENCES user(id) ON DELETE CASCADE,
        PRIMARY KEY (jumpoint_id, user_id)
    );
    UPDATE jumpoint SET code_name = 'jumpoint_' || id WHERE code_name = '';
    UPDATE team SET code_name = 'team_' || id WHERE code_name = '';
    UPDATE jump_group SET code_name = 'jump_group_' || id WHERE code_name = '';
    UPDATE jump_policy SET code_name = 'jump_policy_' || id WHERE code_name = '';
    """,
)
