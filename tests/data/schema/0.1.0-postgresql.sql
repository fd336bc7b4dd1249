-- The PostgreSQL schema that warning made before versioned migrations (main at 87f154d),
-- from pg_dump --schema-only: tests/test_schema.py upgrades a store made from it.
CREATE TABLE public.alert (
    id integer NOT NULL,
    report_id integer NOT NULL,
    event_id integer,
    updated_at timestamp with time zone,
    merged_into integer,
    reports integer NOT NULL,
    sources integer NOT NULL,
    created_at timestamp with time zone NOT NULL,
    severity character varying NOT NULL,
    severity_rank integer NOT NULL,
    place character varying NOT NULL,
    title character varying NOT NULL,
    url character varying NOT NULL,
    signals character varying NOT NULL,
    assessment text NOT NULL,
    labels character varying NOT NULL,
    silenced_by integer,
    acked_at timestamp with time zone,
    acked_by character varying NOT NULL
);

CREATE SEQUENCE public.alert_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.alert_id_seq OWNED BY public.alert.id;

CREATE TABLE public.alerthistory (
    id integer NOT NULL,
    alert_id integer NOT NULL,
    at timestamp with time zone NOT NULL,
    what character varying NOT NULL,
    channel character varying NOT NULL,
    by character varying NOT NULL,
    detail character varying NOT NULL
);

CREATE SEQUENCE public.alerthistory_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.alerthistory_id_seq OWNED BY public.alerthistory.id;

CREATE TABLE public.attempt (
    id integer NOT NULL,
    delivery_id integer NOT NULL,
    at timestamp with time zone NOT NULL,
    ok boolean NOT NULL,
    error character varying NOT NULL
);

CREATE SEQUENCE public.attempt_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.attempt_id_seq OWNED BY public.attempt.id;

CREATE TABLE public.delivery (
    id integer NOT NULL,
    alert_id integer NOT NULL,
    channel character varying NOT NULL,
    status character varying NOT NULL,
    attempts integer NOT NULL,
    created_at timestamp with time zone NOT NULL,
    last_attempt_at timestamp with time zone,
    next_attempt_at timestamp with time zone NOT NULL,
    claimed_until timestamp with time zone,
    failing_since timestamp with time zone,
    failures integer NOT NULL,
    error character varying NOT NULL,
    redact character varying NOT NULL,
    kind character varying NOT NULL,
    note character varying NOT NULL,
    route character varying NOT NULL,
    group_key character varying NOT NULL,
    hold character varying NOT NULL,
    sent_at timestamp with time zone
);

CREATE SEQUENCE public.delivery_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.delivery_id_seq OWNED BY public.delivery.id;

CREATE TABLE public.event (
    id integer NOT NULL,
    created_at timestamp with time zone NOT NULL,
    updated_at timestamp with time zone NOT NULL,
    country character varying NOT NULL,
    towns character varying NOT NULL,
    signals character varying NOT NULL,
    reports integer NOT NULL,
    sources integer NOT NULL,
    places character varying NOT NULL
);

CREATE SEQUENCE public.event_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.event_id_seq OWNED BY public.event.id;

CREATE TABLE public.report (
    id integer NOT NULL,
    source character varying NOT NULL,
    ref character varying NOT NULL,
    url character varying NOT NULL,
    title character varying NOT NULL,
    text text NOT NULL,
    content_hash character varying NOT NULL,
    received_at timestamp with time zone NOT NULL,
    scored_at timestamp with time zone,
    language character varying NOT NULL,
    signals character varying NOT NULL,
    country character varying NOT NULL,
    towns character varying NOT NULL,
    published_at timestamp with time zone,
    outlet character varying NOT NULL,
    canonical_url character varying NOT NULL,
    fingerprint bytea,
    event_id integer,
    places character varying NOT NULL,
    retold boolean DEFAULT false NOT NULL
);

CREATE SEQUENCE public.report_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.report_id_seq OWNED BY public.report.id;

CREATE TABLE public.silence (
    id integer NOT NULL,
    matchers character varying NOT NULL,
    starts_at timestamp with time zone NOT NULL,
    ends_at timestamp with time zone NOT NULL,
    comment character varying NOT NULL,
    author character varying NOT NULL
);

CREATE SEQUENCE public.silence_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.silence_id_seq OWNED BY public.silence.id;

CREATE TABLE public.sourcestate (
    name character varying NOT NULL,
    last_run_at timestamp with time zone,
    last_success timestamp with time zone,
    last_error character varying NOT NULL,
    last_error_at timestamp with time zone,
    failures integer NOT NULL,
    next_run_at timestamp with time zone,
    items_seen integer NOT NULL,
    items_new integer NOT NULL,
    total_new integer NOT NULL,
    etag character varying NOT NULL,
    last_modified character varying NOT NULL,
    cursor character varying NOT NULL
);

CREATE TABLE public."user" (
    name character varying NOT NULL,
    role character varying NOT NULL,
    password_hash character varying NOT NULL,
    created_at timestamp with time zone NOT NULL
);

CREATE TABLE public.verdict (
    id integer NOT NULL,
    alert_id integer NOT NULL,
    signal character varying NOT NULL,
    verdict character varying NOT NULL,
    note character varying NOT NULL,
    by character varying NOT NULL,
    at timestamp with time zone NOT NULL
);

CREATE SEQUENCE public.verdict_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.verdict_id_seq OWNED BY public.verdict.id;

CREATE TABLE public.websession (
    token_hash character varying NOT NULL,
    "user" character varying NOT NULL,
    csrf character varying NOT NULL,
    created_at timestamp with time zone NOT NULL,
    expires_at timestamp with time zone NOT NULL
);

ALTER TABLE ONLY public.alert ALTER COLUMN id SET DEFAULT nextval('public.alert_id_seq'::regclass);

ALTER TABLE ONLY public.alerthistory ALTER COLUMN id SET DEFAULT nextval('public.alerthistory_id_seq'::regclass);

ALTER TABLE ONLY public.attempt ALTER COLUMN id SET DEFAULT nextval('public.attempt_id_seq'::regclass);

ALTER TABLE ONLY public.delivery ALTER COLUMN id SET DEFAULT nextval('public.delivery_id_seq'::regclass);

ALTER TABLE ONLY public.event ALTER COLUMN id SET DEFAULT nextval('public.event_id_seq'::regclass);

ALTER TABLE ONLY public.report ALTER COLUMN id SET DEFAULT nextval('public.report_id_seq'::regclass);

ALTER TABLE ONLY public.silence ALTER COLUMN id SET DEFAULT nextval('public.silence_id_seq'::regclass);

ALTER TABLE ONLY public.verdict ALTER COLUMN id SET DEFAULT nextval('public.verdict_id_seq'::regclass);

ALTER TABLE ONLY public.alert
    ADD CONSTRAINT alert_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.alert
    ADD CONSTRAINT alert_report_id_key UNIQUE (report_id);

ALTER TABLE ONLY public.alerthistory
    ADD CONSTRAINT alerthistory_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.attempt
    ADD CONSTRAINT attempt_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.delivery
    ADD CONSTRAINT delivery_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.event
    ADD CONSTRAINT event_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.report
    ADD CONSTRAINT report_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.silence
    ADD CONSTRAINT silence_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.sourcestate
    ADD CONSTRAINT sourcestate_pkey PRIMARY KEY (name);

ALTER TABLE ONLY public."user"
    ADD CONSTRAINT user_pkey PRIMARY KEY (name);

ALTER TABLE ONLY public.verdict
    ADD CONSTRAINT verdict_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.websession
    ADD CONSTRAINT websession_pkey PRIMARY KEY (token_hash);

CREATE INDEX ix_alert_created_at ON public.alert USING btree (created_at);

CREATE INDEX ix_alert_event_id ON public.alert USING btree (event_id);

CREATE INDEX ix_alert_severity ON public.alert USING btree (severity);

CREATE INDEX ix_alerthistory_alert_id ON public.alerthistory USING btree (alert_id);

CREATE INDEX ix_attempt_delivery_id ON public.attempt USING btree (delivery_id);

CREATE INDEX ix_delivery_alert_id ON public.delivery USING btree (alert_id);

CREATE INDEX ix_delivery_group ON public.delivery USING btree (channel, group_key, status);

CREATE INDEX ix_delivery_next_attempt_at ON public.delivery USING btree (next_attempt_at);

CREATE INDEX ix_delivery_status ON public.delivery USING btree (status);

CREATE INDEX ix_event_country ON public.event USING btree (country);

CREATE INDEX ix_event_created_at ON public.event USING btree (created_at);

CREATE INDEX ix_event_updated_at ON public.event USING btree (updated_at);

CREATE INDEX ix_report_canonical_url ON public.report USING btree (canonical_url);

CREATE UNIQUE INDEX ix_report_content_hash ON public.report USING btree (content_hash);

CREATE INDEX ix_report_country ON public.report USING btree (country);

CREATE INDEX ix_report_event_id ON public.report USING btree (event_id);

CREATE INDEX ix_report_scored_at ON public.report USING btree (scored_at);

CREATE INDEX ix_report_source ON public.report USING btree (source);

CREATE INDEX ix_report_source_ref ON public.report USING btree (source, ref);

CREATE INDEX ix_silence_ends_at ON public.silence USING btree (ends_at);

CREATE INDEX ix_verdict_alert_id ON public.verdict USING btree (alert_id);

CREATE INDEX ix_websession_expires_at ON public.websession USING btree (expires_at);

CREATE INDEX ix_websession_user ON public.websession USING btree ("user");

ALTER TABLE ONLY public.alert
    ADD CONSTRAINT alert_report_id_fkey FOREIGN KEY (report_id) REFERENCES public.report(id);

ALTER TABLE ONLY public.alerthistory
    ADD CONSTRAINT alerthistory_alert_id_fkey FOREIGN KEY (alert_id) REFERENCES public.alert(id);

ALTER TABLE ONLY public.attempt
    ADD CONSTRAINT attempt_delivery_id_fkey FOREIGN KEY (delivery_id) REFERENCES public.delivery(id);

ALTER TABLE ONLY public.delivery
    ADD CONSTRAINT delivery_alert_id_fkey FOREIGN KEY (alert_id) REFERENCES public.alert(id);

ALTER TABLE ONLY public.verdict
    ADD CONSTRAINT verdict_alert_id_fkey FOREIGN KEY (alert_id) REFERENCES public.alert(id);

ALTER TABLE ONLY public.websession
    ADD CONSTRAINT websession_user_fkey FOREIGN KEY ("user") REFERENCES public."user"(name);
