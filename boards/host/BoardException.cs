namespace NanoTcp.Board;

/// <summary>The board cannot start as configured; the message is one line for the user.</summary>
public sealed class BoardException(string message) : Exception(message);
