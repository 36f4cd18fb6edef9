namespace SalesScorecard.Database;

internal static class SqlIdentifier
{
    /// <summary>A PostgreSQL quoted identifier: any name, safely, including quotes and mixed case.</summary>
    public static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"") + "\"";
}
