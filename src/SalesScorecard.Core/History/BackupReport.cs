using System.Globalization;
using System.Net;
using System.Text;

namespace SalesScorecard.History;

/// <summary>
/// Export-ScorecardBackupReport's page: one self-contained HTML file (its style inline, its charts inline SVG, no
/// script, no font or image from anywhere) that reads offline and attaches to a ticket. Charts of stored size, duration,
/// total rows and rows per table over time, with anomalies and pins marked on the time axis, then a table of every backup.
/// </summary>
internal static class BackupReport
{
    private const string Style =
        "body{font-family:Segoe UI,Arial,sans-serif;margin:0 auto;padding:12px;max-width:1400px;color:#1f2328}" +
        "h1{font-size:22px}.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(340px,1fr));gap:16px}" +
        ".chart{margin:0;border:1px solid #d0d7de;border-radius:6px;padding:6px}.chart svg{width:100%;height:auto;display:block}" +
        "svg text{font-size:15px;fill:#57606a}svg .title{font-size:17px;font-weight:600;fill:#1f2328}.axis{stroke:#8c959f}.grid{stroke:#eaeef2}" +
        ".key{border-left:14px solid;padding-left:4px;margin-right:10px;font-size:13px;white-space:nowrap}" +
        ".table{overflow-x:auto}table{border-collapse:collapse;font-size:13px;width:100%}th,td{border-bottom:1px solid #d0d7de;padding:4px 6px;text-align:left;vertical-align:top}" +
        "td.n{text-align:right}td:first-child,td.n{white-space:nowrap}tr.anomaly{color:#cf222e;font-weight:600}.legend span{margin-right:14px}" +
        // On a phone a chart is drawn at about half its width: its text is set larger so that it is still read at 400 px.
        "@media(max-width:600px){svg text{font-size:24px}svg .title{font-size:26px}}";

    public static string Render(IReadOnlyList<BackupHistoryEntry> newestFirst, string source, DateTime nowUtc)
    {
        var backups = newestFirst.Where(e => e.StartedAt is not null).OrderBy(e => e.StartedAt).ToList();
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
            .Append("<title>Sales Scorecard backups</title><style>").Append(Style).Append("</style></head><body>")
            .Append("<h1>Sales Scorecard backups</h1><p>").Append(E(Summary(backups, source, nowUtc))).Append("</p>")
            .Append("<p class=\"legend\"><span style=\"color:#cf222e\">┆ anomaly</span><span style=\"color:#bf8700\">┆ pinned</span>")
            .Append("<span style=\"color:#1a7f37\">┆ restore drill passed</span><span style=\"color:#82071e\">┆ restore drill failed</span></p><div class=\"charts\">");
        foreach (var chart in Charts(backups))
        {
            html.Append(chart.Render());
        }

        html.Append("</div><h2>Every backup</h2>");
        AppendTable(html, newestFirst);
        return html.Append("</body></html>").ToString();
    }

    private static string Summary(IReadOnlyList<BackupHistoryEntry> backups, string source, DateTime nowUtc) =>
        backups.Count == 0
            ? $"No backups in {source}."
            : string.Create(CultureInfo.InvariantCulture,
                $"{backups.Count} backups in {source}, {backups[0].StartedAt:yyyy-MM-dd} to {backups[^1].StartedAt:yyyy-MM-dd}; " +
                $"{backups.Count(b => b.Anomalies.Count > 0)} with anomalies, {backups.Count(b => b.Pinned)} pinned, " +
                $"{backups.Count(b => b.OffsiteCopy == true)} with a complete offsite copy. Made {nowUtc:yyyy-MM-dd HH:mm} UTC.");

    private static IEnumerable<SvgLineChart> Charts(IReadOnlyList<BackupHistoryEntry> backups)
    {
        var good = backups.Where(b => b.Status == BackupStatus.Succeeded).ToList();
        SvgLineChart Marked(SvgLineChart chart) => Mark(chart, good);
        yield return Marked(new SvgLineChart("Stored size", v => Bytes.Format((long)v)).Series("Stored size", good.Select(b => (b.StartedAt!.Value, (double)b.StoredBytes))));
        yield return Marked(new SvgLineChart("Duration", v => v.ToString("0.#", CultureInfo.InvariantCulture) + " s")
            .Series("Duration", good.Where(b => b.DurationSeconds is not null).Select(b => (b.StartedAt!.Value, b.DurationSeconds!.Value))));
        yield return Marked(new SvgLineChart("Total rows", Rows).Series("Total rows", good.Select(b => (b.StartedAt!.Value, (double)b.TotalRows))));
        // One chart a table, each on its own scale: a table of three rows beside one of thousands would be a flat line.
        foreach (var table in good.SelectMany(b => b.Tables.Keys.Cast<string>()).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            yield return Marked(new SvgLineChart($"Rows: {table}", Rows)
                .Series(table, good.Where(b => b.Tables.Contains(table)).Select(b => (b.StartedAt!.Value, Convert.ToDouble(b.Tables[table], CultureInfo.InvariantCulture)))));
        }
        if (good.Any(b => b.OffsiteCopy is not null))
        {
            yield return Marked(new SvgLineChart("Offsite lag", v => v.ToString("0.#", CultureInfo.InvariantCulture) + " h").Series("Offsite lag", OffsiteLag(good)));
        }
    }

    /// <summary>Anomalies, pins and drills on a chart's time axis.</summary>
    private static SvgLineChart Mark(SvgLineChart chart, IReadOnlyList<BackupHistoryEntry> good)
    {
        foreach (var backup in good.Where(b => b.Anomalies.Count > 0))
        {
            chart.Mark(backup.StartedAt!.Value, SvgLineChart.AnomalyColour, $"{backup.Name}: {backup.Anomalies}");
        }

        foreach (var backup in good.Where(b => b.Pinned))
        {
            chart.Mark(backup.StartedAt!.Value, SvgLineChart.PinColour, $"{backup.Name} pinned: {backup.PinReason}");
        }

        foreach (var backup in good.Where(b => b.DrillPassed is not null))
        {
            chart.Mark(backup.StartedAt!.Value, backup.DrillPassed == true ? SvgLineChart.DrillPassedColour : SvgLineChart.DrillFailedColour,
                string.Create(CultureInfo.InvariantCulture, $"{backup.Name}: restore drill {(backup.DrillPassed == true ? "passed" : "FAILED")} {backup.DrilledAt:yyyy-MM-dd HH:mm} UTC"));
        }

        return chart;
    }

    /// <summary>After each backup, in hours, how old the newest backup with a complete copy on the store was (as the nightly job states it).</summary>
    private static IEnumerable<(DateTime At, double Hours)> OffsiteLag(IReadOnlyList<BackupHistoryEntry> oldestFirst)
    {
        DateTime? newestCopy = null;
        foreach (var backup in oldestFirst.Where(b => b.OffsiteCopy is not null))
        {
            newestCopy = backup.OffsiteCopy == true ? backup.StartedAt : newestCopy;
            if (newestCopy is { } copied)
            {
                yield return (backup.StartedAt!.Value, (backup.StartedAt!.Value - copied).TotalHours);
            }
        }
    }

    private static string Rows(double value) => value.ToString("#,0.#", CultureInfo.InvariantCulture);

    private static void AppendTable(StringBuilder html, IReadOnlyList<BackupHistoryEntry> newestFirst)
    {
        html.Append("<div class=\"table\"><table><tr><th>Backup</th><th>Status</th><th>Size</th><th>Seconds</th><th>Rows</th><th>Change</th>")
            .Append("<th>Offsite</th><th>Drill</th><th>Pinned</th><th>Anomalies</th></tr>");
        foreach (var b in newestFirst)
        {
            html.Append(b.Anomalies.Count > 0 ? "<tr class=\"anomaly\">" : "<tr>")
                .Append("<td>").Append(E(b.Name)).Append("</td><td>").Append(E(b.Status + (b.Verified ? ", verified" : ""))).Append("</td>")
                .Append("<td class=\"n\">").Append(E(b.Size)).Append("</td><td class=\"n\">").Append(E(b.DurationSeconds?.ToString("0.0", CultureInfo.InvariantCulture) ?? ""))
                .Append("</td><td class=\"n\">").Append(E(Rows(b.TotalRows))).Append("</td><td class=\"n\">")
                .Append(E(b.TotalRowChange?.ToString("+#,0;-#,0;0", CultureInfo.InvariantCulture) ?? "")).Append("</td><td>")
                .Append(b.OffsiteCopy switch { true => "yes", false => "no", _ => "" }).Append("</td><td>")
                .Append(b.DrillPassed switch { true => "passed", false => "FAILED", _ => "" }).Append("</td><td>").Append(E(b.Pinned ? b.PinReason ?? "yes" : ""))
                .Append("</td><td>").Append(E(b.Anomalies.ToString())).Append("</td></tr>");
        }

        html.Append("</table></div>");
    }

    private static string E(string value) => WebUtility.HtmlEncode(value);
}
