using System.Collections;

namespace NanoTcp.Scripting
{
    /// <summary>The outcome of running one script.</summary>
    public sealed class ScriptResult
    {
        public bool Passed;
        /// <summary>1-based line of the failure; 0 when it belongs to no single line (e.g. a packet left over at the end).</summary>
        public int Line;
        /// <summary>The failing script line as written, or null.</summary>
        public string SourceLine;
        public string Message;
        /// <summary>What the script wanted, in script syntax where possible; null when not applicable.</summary>
        public string Expected;
        /// <summary>What happened, in script syntax where possible (packets with relative seq/ack).</summary>
        public string Actual;
        /// <summary>Events executed (including the failing one).</summary>
        public int Events;
        /// <summary>Virtual time when the script ended, microseconds.</summary>
        public long VirtualMicros;
        /// <summary>Strings: lines skipped and why.</summary>
        public ArrayList Warnings = new ArrayList();
        /// <summary>Strings: the engine's serial log lines, in order.</summary>
        public ArrayList Log = new ArrayList();

        /// <summary>
        /// The failure as text: "line N: message", then <see cref="FailureDetails"/>. "" when the
        /// script passed.
        /// </summary>
        public string FailureText()
        {
            if (Passed) return "";
            string head = Line > 0 ? "line " + Line.ToString() + ": " + Message : Message;
            string details = FailureDetails();
            return details.Length == 0 ? head : head + "\n" + details;
        }

        /// <summary>The failing line, expected and actual, one indented line each (those known).</summary>
        public string FailureDetails()
        {
            string s = "";
            if (SourceLine != null) s = s + "\n  script:   " + SourceLine;
            if (Expected != null) s = s + "\n  expected: " + Expected;
            if (Actual != null) s = s + "\n  actual:   " + Actual;
            return s.Length == 0 ? s : s.Substring(1);
        }
    }
}
