#!/usr/bin/python3
"""A deliberately broken SMTP server for mailcert's remote-check tests.

No real server misbehaves on request, so this script does, one way per MODE (see `MODES`). Two modes (imap, pop3)
behave well: they stand in for an IMAP/POP3 server, which Debian offers only as a full Dovecot installation. It listens on
127.0.0.1:PORT, prints "ready" once listening, and serves connections until killed. CERT and KEY are used by the
modes that get as far as TLS.

usage: misbehaving_smtp.py MODE PORT CERT KEY
"""
import socket
import ssl
import sys
import threading
import time

MODE, PORT, CERT, KEY = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
EHLO_WITH_STARTTLS = b"250-mx.example.test\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250 STARTTLS\r\n"
EHLO_WITHOUT_STARTTLS = b"250-mx.example.test\r\n250-PIPELINING\r\n250 SIZE 10240000\r\n"


def read_line(conn):
    data = b""
    while not data.endswith(b"\n"):
        chunk = conn.recv(1)
        if not chunk:
            raise ConnectionError("client left")
        data += chunk
    return data


def tls(conn):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(CERT, KEY)
    secured = context.wrap_socket(conn, server_side=True)
    try:
        while read_line(secured):
            secured.sendall(b"221 bye\r\n")
    except (ConnectionError, ssl.SSLError, OSError):
        pass


def until_starttls(conn, ehlo=EHLO_WITH_STARTTLS, banner=b"220 mx.example.test ESMTP\r\n"):
    conn.sendall(banner)
    read_line(conn)  # EHLO
    conn.sendall(ehlo)
    read_line(conn)  # STARTTLS


def inject_after_starttls(conn):
    """The 220 to STARTTLS and a forged reply in one packet (CVE-2021-38371 class), then real TLS."""
    until_starttls(conn)
    conn.sendall(b"220 2.0.0 go ahead\r\n250 forged reply before TLS\r\n")
    tls(conn)


def inject_in_banner(conn):
    """A banner followed, in the same packet, by a forged EHLO answer offering STARTTLS; the real answer lacks it."""
    conn.sendall(b"220 mx.example.test ESMTP\r\n" + EHLO_WITH_STARTTLS)
    read_line(conn)
    conn.sendall(EHLO_WITHOUT_STARTTLS)
    read_line(conn)


def no_starttls(conn):
    conn.sendall(b"220 mx.example.test ESMTP\r\n")
    read_line(conn)
    conn.sendall(EHLO_WITHOUT_STARTTLS)
    read_line(conn)


def refuse_starttls(conn):
    until_starttls(conn)
    conn.sendall(b"454 4.7.0 TLS not available due to local problem\r\n")
    read_line(conn)


def garbage(conn):
    conn.sendall(bytes(range(256)) * 64)
    time.sleep(5)


def silent(conn):
    time.sleep(30)


def drip(conn):
    """A banner one byte every 0.2 s, for ever: only a deadline for the whole step ends it."""
    while True:
        conn.sendall(b"2")
        time.sleep(0.2)


def split_replies(conn):
    """Every reply split into one-byte packets, multi-line EHLO included; then real TLS."""
    for reply in (b"220-mx.example.test ESMTP\r\n220 second banner line\r\n", None, EHLO_WITH_STARTTLS, None,
                  b"220 go ahead\r\n"):
        if reply is None:
            read_line(conn)
            continue
        for byte in reply:
            conn.sendall(bytes([byte]))
            time.sleep(0.002)
    tls(conn)


def stall_handshake(conn):
    """Agrees to STARTTLS, then never answers the ClientHello."""
    until_starttls(conn)
    conn.sendall(b"220 go ahead\r\n")
    time.sleep(30)


def close_after_starttls(conn):
    until_starttls(conn)
    conn.sendall(b"220 go ahead\r\n")


def huge_reply(conn):
    """An EHLO answer of endless continuation lines."""
    conn.sendall(b"220 mx.example.test ESMTP\r\n")
    read_line(conn)
    while True:
        conn.sendall(b"250-X-PADDING\r\n" * 100)


def huge_chain(conn):
    """Real TLS whose certificate file (CERT) is enormous."""
    until_starttls(conn)
    conn.sendall(b"220 go ahead\r\n")
    tls(conn)


def imap(conn):
    """A well-behaved IMAP STARTTLS exchange (RFC 3501), for the probe's IMAP dialog."""
    conn.sendall(b"* OK [CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED] ready\r\n")
    tag = read_line(conn).split(b" ")[0]
    conn.sendall(b"* CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED\r\n" + tag + b" OK done\r\n")
    tag = read_line(conn).split(b" ")[0]
    conn.sendall(tag + b" OK begin TLS now\r\n")
    tls(conn)


def pop3(conn):
    """A well-behaved POP3 STLS exchange (RFC 2595), for the probe's POP3 dialog."""
    conn.sendall(b"+OK ready\r\n")
    read_line(conn)  # CAPA
    conn.sendall(b"+OK capabilities\r\nUSER\r\nSTLS\r\n.\r\n")
    read_line(conn)  # STLS
    conn.sendall(b"+OK begin TLS\r\n")
    tls(conn)


MODES = {name: function for name, function in globals().items()
         if callable(function) and name not in ("read_line", "tls", "until_starttls", "serve")}


def serve(conn):
    try:
        MODES[MODE](conn)
    except (ConnectionError, OSError, ssl.SSLError):
        pass
    finally:
        conn.close()


def main():
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", PORT))
    listener.listen(16)
    print("ready", flush=True)
    while True:
        conn, _ = listener.accept()
        threading.Thread(target=serve, args=(conn,), daemon=True).start()


main()
