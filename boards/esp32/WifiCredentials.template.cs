namespace NanoTcp.Esp32
{
    /// <summary>
    /// Your Wi-Fi network. Copy this file to WifiCredentials.cs beside it (git ignores that name)
    /// and fill in both values; firmware/NanoTcp.Esp32 then compiles your copy instead of this one.
    /// Left empty, the device joins the network stored on it (Device Explorer, Network Configuration).
    /// </summary>
    internal static class WifiCredentials
    {
        public const string Ssid = "";
        public const string Password = "";
    }
}
