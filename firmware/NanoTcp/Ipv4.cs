namespace NanoTcp
{
    /// <summary>IPv4 addresses as host-order uints, and their text form.</summary>
    public static class Ipv4
    {
        public static uint Address(int a, int b, int c, int d)
        {
            return ((uint)a << 24) | ((uint)b << 16) | ((uint)c << 8) | (uint)d;
        }

        /// <summary>Parses dotted-quad text; returns false on anything else.</summary>
        public static bool TryParse(string text, out uint address)
        {
            address = 0;
            if (text == null) return false;
            int part = 0, value = 0, digits = 0;
            for (int i = 0; i <= text.Length; i++)
            {
                if (i == text.Length || text[i] == '.')
                {
                    if (digits == 0 || value > 255) return false;
                    address = (address << 8) | (uint)value;
                    part++; value = 0; digits = 0;
                    if (i < text.Length && part == 4) return false;
                    continue;
                }
                char c = text[i];
                if (c < '0' || c > '9' || digits == 3) return false;
                value = value * 10 + (c - '0');
                digits++;
            }
            return part == 4;
        }

        public static string ToText(uint address)
        {
            // Each octet as an int: one Int32.ToString per part.
            return ((int)(address >> 24)).ToString() + "." + ((int)((address >> 16) & 0xFF)).ToString() + "."
                + ((int)((address >> 8) & 0xFF)).ToString() + "." + ((int)(address & 0xFF)).ToString();
        }
    }
}
