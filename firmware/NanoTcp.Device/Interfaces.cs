namespace NanoTcp.Device
{
    /// <summary>
    /// The device's network link: UDP datagrams on the link port. Senders are named by small
    /// integer tokens the link hands out, so this application never touches a socket or an address
    /// type of the platform (see <see cref="EndpointTable"/>).
    /// </summary>
    public interface IDatagramLink
    {
        /// <summary>
        /// Waits up to timeoutMs (0 = just look) for one datagram. Returns its length and the
        /// sender's token, or -1 (token -1) when none arrived in time.
        /// </summary>
        int Receive(byte[] buffer, int timeoutMs, out int endpoint);

        /// <summary>Sends one datagram to a token that Receive returned. The bytes are only valid during the call.</summary>
        void Send(int endpoint, byte[] data, int offset, int length);
    }

    /// <summary>A monotonic millisecond clock that starts near 0 at boot (the log's time column).</summary>
    public interface IClock
    {
        long NowMs();
    }
}
