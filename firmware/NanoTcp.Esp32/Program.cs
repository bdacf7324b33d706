using System;
using System.Net.NetworkInformation;
using System.Threading;
using nanoFramework.Networking;
using NanoTcp.Device;

namespace NanoTcp.Esp32
{
    /// <summary>
    /// The ESP32 firmware: joins Wi-Fi, opens the UDP link and runs the portable device loop, with
    /// the state log on the console (UART0 when no debugger is attached). Everything else lives in
    /// NanoTcp.Device, which the virtual board runs and the tests exercise.
    /// </summary>
    public class Program
    {
        const int WifiTimeoutMs = 60000;
        /// <summary>Longest wait for a datagram when no timer is due sooner.</summary>
        const int MaxWaitMs = 1000;

        public static void Main()
        {
            Console.WriteLine("NanoTcp: joining Wi-Fi");
            if (!ConnectWifi())
            {
                Thread.Sleep(Timeout.Infinite);
            }

            // The device defaults are the engine's (docs/design.md §5, README "Defaults"); change one here by name, e.g. settings.Set("msl_ms", "1000").
            DeviceSettings settings = new DeviceSettings();
            SeedIsnKey(settings.Tcp);

            UdpLink link = new UdpLink(settings.LinkPort);
            DeviceApp app = new DeviceApp(settings, link, new ConsoleSerial(), new TickClock());
            Console.WriteLine("link: udp " + NetworkInterface.GetAllNetworkInterfaces()[0].IPv4Address + ":" + settings.LinkPort.ToString());
            app.Start();

            while (true)
            {
                try
                {
                    app.Step(MaxWaitMs);
                }
                catch (Exception e)
                {
                    // An uncaught exception would end the program without a word: say it and go on.
                    Console.WriteLine("error: " + e.Message);
                }
            }
        }

        /// <summary>
        /// Joins the network of boards/esp32/WifiCredentials.cs; when that file was not made, the
        /// network stored on the device (Visual Studio's Device Explorer, Network Configuration).
        /// </summary>
        static bool ConnectWifi()
        {
            CancellationTokenSource cs = new CancellationTokenSource(WifiTimeoutMs);
            bool connected = WifiCredentials.Ssid.Length > 0
                ? WifiNetworkHelper.ConnectDhcp(WifiCredentials.Ssid, WifiCredentials.Password, requiresDateTime: false, token: cs.Token)
                : WifiNetworkHelper.Reconnect(requiresDateTime: false, token: cs.Token);
            if (!connected)
            {
                Console.WriteLine("Wi-Fi failed, helper status " + ((int)WifiNetworkHelper.Status).ToString());
                if (WifiNetworkHelper.HelperException != null) Console.WriteLine(WifiNetworkHelper.HelperException.Message);
            }
            return connected;
        }

        /// <summary>RFC 6528: the ISN key is a secret, so every boot draws a new one.</summary>
        static void SeedIsnKey(TcpConfig tcp)
        {
            byte[] key = new byte[16];
            new Random().NextBytes(key);
            // The tick count after joining Wi-Fi varies from boot to boot: mixed in, in case the generator's seed does not.
            tcp.IsnKey0 = BitConverter.ToUInt64(key, 0) ^ (ulong)Environment.TickCount64;
            tcp.IsnKey1 = BitConverter.ToUInt64(key, 8);
        }
    }
}
