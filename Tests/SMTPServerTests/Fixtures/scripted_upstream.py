#!/usr/bin/python3
"""A scripted upstream SMTP server for the relay tests.

aiosmtpd accepts every recipient and behaves well, so the relay's answers to an upstream that refuses, speaks only
plain SMTP, drops idle connections or talks nonsense are played by this script, one way per MODE (see `MODES`).
Every mode: listens on 127.0.0.1:PORT, serves connections until killed, and prints to stdout (flushed) each line it
receives ("N C: LINE", N counting the sessions that sent anything, so a probe that only connects does not count)
before it answers, so a test that got the answer finds the line in the log.

usage: scripted_upstream.py MODE PORT
"""
import socket
import sys
import threading

MODE, PORT = sys.argv[1], int(sys.argv[2])
EHLO = b"250-upstream.example.test\r\n250-SIZE 10240000\r\n250-8BITMIME\r\n250 PIPELINING\r\n"
UNKNOWN_USER = (
    b"550-5.1.1 <nobody@example.test>: Recipient address rejected:\r\n"
    b"550 5.1.1 User unknown in local recipient table\r\n"
)
MODES = {
    "reject_rcpt": "ESMTP; RCPT TO any nobody@ address gets a two-line 550 5.1.1, everything else is accepted",
    "helo_only": "EHLO gets 502 5.5.1, as from a server without ESMTP; HELO works",
    "drop_after_message": "closes the connection right after its 250 to a message, as an idle timeout would",
    "garbage": "answers MAIL FROM with a line that is not an SMTP reply",
}
log_lock = threading.Lock()
sessions = 0


def log(text):
    with log_lock:
        print(text, flush=True)


def next_session():
    global sessions
    with log_lock:
        sessions += 1
        return sessions


def serve(conn, lines):
    number = None

    def read():
        data = lines.readline()
        if not data:
            raise ConnectionError("client left")
        return data.rstrip(b"\r\n").decode("latin-1")

    conn.sendall(b"220 upstream.example.test ESMTP scripted\r\n")
    while True:
        line = read()
        number = number or next_session()
        log(f"{number} C: {line}")
        verb = line.split(" ")[0].split(":")[0].upper()
        if verb == "EHLO":
            conn.sendall(b"502 5.5.1 EHLO not implemented\r\n" if MODE == "helo_only" else EHLO)
        elif verb == "HELO":
            conn.sendall(b"250 upstream.example.test\r\n")
        elif verb == "MAIL":
            conn.sendall(b"hello there, this is not SMTP\r\n" if MODE == "garbage" else b"250 2.1.0 Ok\r\n")
        elif verb == "RCPT":
            conn.sendall(UNKNOWN_USER if "<nobody@" in line else b"250 2.1.5 Ok\r\n")
        elif verb == "DATA":
            conn.sendall(b"354 End data with <CR><LF>.<CR><LF>\r\n")
            count = 0
            while read() != ".":
                count += 1
            log(f"{number} message of {count} lines")
            conn.sendall(b"250 2.0.0 Ok: queued as SCRIPTED\r\n")
            if MODE == "drop_after_message":
                return
        elif verb == "RSET":
            conn.sendall(b"250 2.0.0 Ok\r\n")
        elif verb == "QUIT":
            conn.sendall(b"221 2.0.0 Bye\r\n")
            return
        else:
            conn.sendall(b"502 5.5.2 Error: command not recognized\r\n")


def handle(conn):
    # The reader holds its own reference to the socket: both must be closed for the client to see the end.
    try:
        with conn, conn.makefile("rb") as lines:
            serve(conn, lines)
    except (ConnectionError, OSError):
        pass


def main():
    if MODE not in MODES:
        sys.exit(f"unknown mode {MODE}; modes: {', '.join(MODES)}")
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", PORT))
    listener.listen(16)
    while True:
        conn, _ = listener.accept()
        threading.Thread(target=handle, args=(conn,), daemon=True).start()


main()
