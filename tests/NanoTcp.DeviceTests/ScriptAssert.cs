using nanoFramework.TestFramework;
using NanoTcp.Scripting;

namespace NanoTcp.DeviceTests
{
    /// <summary>Runs one scenario script through the interpreter on this runtime and fails the test with its report.</summary>
    public static class ScriptAssert
    {
        public static void Passes(string name, string script)
        {
            ScriptResult result = ScriptRunner.Run(script);
            // Skipped lines and unchecked trailing packets are shown, pass or fail: never silent.
            for (int i = 0; i < result.Warnings.Count; i++) OutputHelper.WriteLine("  warning: " + name + ": " + (string)result.Warnings[i]);
            if (result.Passed) return;
            // The engine's log goes to the test output: on a device there is nothing else to look at.
            for (int i = 0; i < result.Log.Count; i++) OutputHelper.WriteLine("  " + (string)result.Log[i]);
            Assert.IsTrue(false, name + ": " + result.FailureText());
        }
    }
}
