using System.Globalization;
using System.Net;
using System.Text;

namespace SalesScorecard.Mail;

/// <summary>
/// The parts of a backup mail that show change: rows per table with their change since the previous backup, and the
/// last nights' stored size and duration as bars. Only HTML tables, widths and background colours, as Gmail, Outlook
/// and Apple Mail all render them: no script, no image, no CSS a client strips.
/// </summary>
internal static class TrendRendering
{
    private const int BarPixels = 100;

    public static void AppendTablesText(StringBuilder text, NotificationFacts facts)
    {
        text.AppendLine().AppendLine("Rows per table:");
        foreach (var (table, rows) in Rows(facts))
        {
            text.Append("  ").Append(table).Append(": ").Append(rows);
            if (facts.TableChanges.TryGetValue(table, out var change))
            {
                text.Append(" (").Append(change).Append(facts.AnomalousTables.Contains(table) ? ", ANOMALY" : "").Append(')');
            }

            text.AppendLine();
        }
    }

    public static void AppendTablesHtml(StringBuilder html, NotificationFacts facts)
    {
        var changes = facts.TableChanges.Count > 0;
        html.Append("<h3>Rows per table</h3><table cellpadding=\"3\" style=\"border-collapse:collapse\">");
        if (changes)
        {
            html.Append("<tr><th align=\"left\">Table</th><th align=\"right\">Rows</th><th align=\"right\">Change</th></tr>");
        }

        foreach (var (table, rows) in Rows(facts))
        {
            var anomaly = facts.AnomalousTables.Contains(table);
            html.Append(anomaly ? "<tr style=\"color:#cf222e;font-weight:bold\">" : "<tr>")
                .Append("<td>").Append(E(table)).Append("</td><td align=\"right\">").Append(E(rows)).Append("</td>");
            if (changes)
            {
                html.Append("<td align=\"right\">").Append(E(facts.TableChanges.GetValueOrDefault(table) ?? "")).Append(anomaly ? " ⚠ anomaly" : "").Append("</td>");
            }

            html.Append("</tr>");
        }

        html.Append("</table>");
    }

    /// <summary>Tonight's tables, then any that vanished since the previous backup (the worst case must have its row).</summary>
    private static IEnumerable<KeyValuePair<string, string>> Rows(NotificationFacts facts) =>
        facts.Tables.Concat(facts.TableChanges.Keys.Where(t => facts.Tables.All(r => r.Key != t)).Order(StringComparer.Ordinal).Select(t => KeyValuePair.Create(t, "gone")));

    public static void AppendTrendText(StringBuilder text, NotificationFacts facts, CultureInfo culture)
    {
        text.AppendLine().AppendLine($"The last {facts.Trend.Count} backups (started, UTC; stored size; duration):");
        foreach (var point in facts.Trend)
        {
            text.Append("  ").Append(point.StartedAtUtc.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)).Append("  ")
                .Append(Bytes.Format(point.StoredBytes).PadLeft(9)).Append("  ")
                .Append(point.DurationSeconds is { } s ? $"{s.ToString("0.0", culture)} s" : "").AppendLine(point.Anomaly ? "  ANOMALY" : "");
        }
    }

    public static void AppendTrendHtml(StringBuilder html, NotificationFacts facts, CultureInfo culture)
    {
        var biggest = Math.Max(1, facts.Trend.Max(p => p.StoredBytes));
        var longest = Math.Max(0.001, facts.Trend.Max(p => p.DurationSeconds ?? 0));
        html.Append(CultureInfo.InvariantCulture, $"<h3>The last {facts.Trend.Count} backups</h3>")
            .Append("<table cellpadding=\"2\" cellspacing=\"0\" style=\"border-collapse:collapse\"><tr><th align=\"left\">Started (UTC)</th>")
            .Append("<th align=\"left\" colspan=\"2\">Stored size</th><th align=\"left\" colspan=\"2\">Duration</th></tr>");
        foreach (var point in facts.Trend)
        {
            var colour = point.Anomaly ? "#cf222e" : "#0969da";
            html.Append("<tr><td style=\"white-space:nowrap\">").Append(point.StartedAtUtc.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)).Append(point.Anomaly ? " ⚠" : "").Append("</td>")
                .Append(Bar(point.StoredBytes / (double)biggest, colour)).Append("<td align=\"right\" style=\"white-space:nowrap\">").Append(E(Bytes.Format(point.StoredBytes))).Append("</td>")
                .Append(Bar((point.DurationSeconds ?? 0) / longest, "#8250df")).Append("<td align=\"right\" style=\"white-space:nowrap\">")
                .Append(point.DurationSeconds is { } s ? E($"{s.ToString("0.0", culture)} s") : "").Append("</td></tr>");
        }

        html.Append("</table>");
    }

    /// <summary>A bar as a table cell of a fixed width with a background colour: what every mail client draws.</summary>
    private static string Bar(double share, string colour)
    {
        var width = Math.Max(1, (int)Math.Round(share * BarPixels));
        return string.Create(CultureInfo.InvariantCulture,
            $"<td width=\"{BarPixels}\" style=\"width:{BarPixels}px\"><table cellpadding=\"0\" cellspacing=\"0\" role=\"presentation\"><tr><td class=\"bar\" width=\"{width}\" height=\"10\" " +
            $"bgcolor=\"{colour}\" style=\"width:{width}px;height:10px;background:{colour};font-size:1px;line-height:1px\">&nbsp;</td></tr></table></td>");
    }

    private static string E(string value) => WebUtility.HtmlEncode(value);
}
