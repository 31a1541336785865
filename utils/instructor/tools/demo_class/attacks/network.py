import socket
for address in (("127.0.0.1", 22), ("127.0.0.1", 8786), ("10.0.0.1", 80)):
    try:
        socket.create_connection(address, timeout=2).close()
        print("connected to", address)
    except OSError:
        pass
