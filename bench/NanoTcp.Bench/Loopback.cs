using System.Net;
using System.Net.Sockets;

namespace NanoTcp.Bench;

/// <summary>
/// The Linux kernel's TCP on 127.0.0.1 through blocking .NET Sockets. Both ends of every
/// connection are kernel sockets in this process, so a kernel row pays for two TCP endpoints,
/// the system calls on both sides and the loopback device.
/// </summary>
public static class Loopback
{
    /// <summary>A listening socket on 127.0.0.1 and an ephemeral port.</summary>
    public static Socket Listen()
    {
        var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(512);
        return listener;
    }

    /// <summary>connect() and accept(): a connected pair. Nagle off on both, so every write is one segment.</summary>
    public static (Socket Client, Socket Server) Connect(Socket listener)
    {
        var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        client.Connect(listener.LocalEndPoint!);
        Socket server = listener.Accept();
        server.NoDelay = true;
        return (client, server);
    }

    /// <summary>Reads exactly count bytes (recv() until they are all there).</summary>
    public static void ReadExactly(Socket socket, byte[] buffer, int count)
    {
        int got = 0;
        while (got < count)
        {
            int n = socket.Receive(buffer, got, count - got, SocketFlags.None);
            if (n == 0) throw new IOException("connection closed after " + got + " of " + count + " bytes");
            got += n;
        }
    }

    /// <summary>Writes exactly count bytes.</summary>
    public static void WriteAll(Socket socket, byte[] buffer, int count)
    {
        int sent = 0;
        while (sent < count) sent += socket.Send(buffer, sent, count - sent, SocketFlags.None);
    }
}
