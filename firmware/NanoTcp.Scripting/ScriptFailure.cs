using System;

namespace NanoTcp.Scripting
{
    /// <summary>
    /// Why a script failed, at which line. Thrown inside the interpreter and always caught by
    /// <see cref="ScriptRunner"/>, which turns it into a <see cref="ScriptResult"/>.
    /// </summary>
    public sealed class ScriptFailure : Exception
    {
        /// <summary>1-based script line, 0 when the failure belongs to no single line.</summary>
        public readonly int Line;
        public readonly string Expected;
        public readonly string Actual;

        public ScriptFailure(int line, string message, string expected, string actual) : base(message)
        {
            Line = line;
            Expected = expected;
            Actual = actual;
        }

        public static ScriptFailure Syntax(int line, string message)
        {
            return new ScriptFailure(line, message, null, null);
        }
    }
}
