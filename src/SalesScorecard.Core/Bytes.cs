namespace SalesScorecard;

internal static class Bytes
{
    /// <summary>Sizes the way an admin reads them: 1.2 MB (powers of 1024).</summary>
    public static string Format(long bytes)
    {
        string[] units = ["B", "KB", "MB", "GB", "TB"];
        double value = bytes;
        var unit = 0;
        while (value >= 1024 && unit < units.Length - 1)
        {
            value /= 1024;
            unit++;
        }

        return unit == 0
            ? $"{bytes} B"
            : value.ToString(value < 10 ? "0.0" : "0", System.Globalization.CultureInfo.InvariantCulture) + " " + units[unit];
    }
}
