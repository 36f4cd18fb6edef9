using System.Globalization;
using System.Net;
using System.Text;
using MimeKit;

namespace SalesScorecard.Mail;

/// <summary>
/// The notification mail: upstream's subject, and a plain-text and an HTML part that carry the same facts. Every value
/// is HTML-encoded; no secret is ever among them.
/// </summary>
public static class NotificationMessage
{
    public const string Footer = "System: Sales Scorecard Production";

    public static string Subject(NotificationFacts facts, MailSettings settings)
    {
        if (facts.StaleSinceUtc is { } since)
        {
            return $"⚠️ No successful backup since {Local(since, settings).ToString("g", settings.Culture)}";
        }

        var date = Local(facts.TimeUtc, settings).ToString("d", settings.Culture);
        return facts.Headline ?? $"{(facts.Success ? "✅ Database Backup Successful" : "❌ Database Backup Failed")} - {date}";
    }

    /// <summary>The HTML body of the mail these facts make: for previews (build/Render-NotificationPreview.ps1), with no MimeKit type.</summary>
    public static string Html(NotificationFacts facts, MailSettings settings) => Build(facts, settings).HtmlBody ?? string.Empty;

    internal static MimeMessage Build(NotificationFacts facts, MailSettings settings)
    {
        var lines = Lines(facts, settings);
        var message = new MimeMessage { Subject = Subject(facts, settings) };
        message.MessageId = MimeKit.Utils.MimeUtils.GenerateMessageId(LocalHost.FullyQualifiedName ?? settings.From.Domain);
        message.From.Add(settings.From);
        message.To.AddRange(settings.Recipients);
        var body = new BodyBuilder { TextBody = PlainText(facts, lines), HtmlBody = Html(facts, lines) };
        message.Body = body.ToMessageBody();
        return message;
    }

    /// <summary>
    /// The mail cut down to fit a server's size limit, saying so: the details keep their beginning and end, the log
    /// its newest lines. Null when even the shortest form does not fit.
    /// </summary>
    internal static MimeMessage? BuildToFit(NotificationFacts facts, MailSettings settings, long limit)
    {
        var note = KeyValuePair.Create("Shortened",
            $"This mail was shortened to fit the mail server's limit of {limit.ToString("N0", CultureInfo.InvariantCulture)} bytes: " +
            "the details and the lines of backup.log are cut (backup.log on the backup host has them whole).");
        // The server counts the headers it adds (Received:, its own checks) against the limit too.
        var room = limit - Math.Min(limit / 20, 4096);
        for (var keep = 256 * 1024; keep >= 64; keep /= 2)
        {
            var message = Build(Shortened(facts, keep) with { Notes = [.. facts.Notes, note] }, settings);
            using var measure = new MimeKit.IO.MeasuringStream();
            message.WriteTo(FormatOptions.Default, measure);
            if (measure.Length <= room)
            {
                return message;
            }
        }

        return null;
    }

    private static NotificationFacts Shortened(NotificationFacts facts, int keep)
    {
        var lines = new List<string>();
        var used = 0;
        foreach (var line in facts.LogTail.Reverse().Select(l => Cut(l, Math.Max(64, keep / 4))))
        {
            if (used + line.Length > keep)
            {
                break;
            }

            lines.Insert(0, line);
            used += line.Length;
        }

        return facts with { ErrorMessage = facts.ErrorMessage is { } details ? Cut(details, keep) : null, LogTail = lines };
    }

    /// <summary>The beginning and the end: pg_dump says what failed first, and where it stopped last.</summary>
    private static string Cut(string text, int keep) =>
        text.Length <= keep
            ? text
            : $"{text[..(keep / 2)]} … [{(text.Length - keep).ToString("N0", CultureInfo.InvariantCulture)} characters cut] … {text[^(keep / 2)..]}";

    private static DateTime Local(DateTime utc, MailSettings settings) =>
        TimeZoneInfo.ConvertTimeFromUtc(DateTime.SpecifyKind(utc, DateTimeKind.Utc), settings.TimeZone);

    /// <summary>Label and value pairs, in the order both parts show them; absent facts are left out.</summary>
    private static List<(string Label, string Value)> Lines(NotificationFacts facts, MailSettings settings)
    {
        var culture = settings.Culture;
        var lines = new List<(string, string)>
        {
            ("Status", facts.StatusText ?? (facts.Success ? "Backup completed successfully" : facts.StaleSinceUtc is null ? "Backup failed" : "No recent successful backup")),
            ("Time", $"{Local(facts.TimeUtc, settings).ToString("F", culture)} ({settings.TimeZone.Id})"),
        };
        lines.AddRange(facts.Notes.Select(n => (n.Key, n.Value)));

        void Add(string label, string? value)
        {
            if (!string.IsNullOrWhiteSpace(value))
            {
                lines.Add((label, value));
            }
        }

        Add("Backup", facts.BackupName);
        Add("Location", facts.Location);
        Add("Size", facts.Size);
        Add("Total rows", facts.TotalRows);
        Add("Duration", facts.Duration is { } d ? $"{d.TotalSeconds.ToString("0.0", culture)} s" : null);
        Add("Verified", facts.Verified switch { true => "yes, read back whole with pg_restore", false => "no", _ => null });
        Add("Stored as", facts.Storage);
        Add("Offsite copy", facts.Offsite);
        Add("Offsite lag", facts.OffsiteLag);
        Add("Database", facts.Database);
        Add("Server", facts.Host);
        Add("Error", facts.ErrorId);
        Add("Details", facts.ErrorMessage);
        return lines;
    }

    private static string PlainText(NotificationFacts facts, List<(string Label, string Value)> lines)
    {
        var text = new StringBuilder();
        foreach (var (label, value) in lines)
        {
            text.Append(label).Append(": ").AppendLine(value);
        }

        if (facts.Tables.Count > 0)
        {
            TrendRendering.AppendTablesText(text, facts);
        }

        if (facts.Trend.Count > 1)
        {
            TrendRendering.AppendTrendText(text, facts, CultureInfo.InvariantCulture);
        }

        if (facts.LogTail.Count > 0)
        {
            text.AppendLine().AppendLine("Last lines of backup.log:");
            foreach (var line in facts.LogTail)
            {
                text.Append("  ").AppendLine(line);
            }
        }

        return text.AppendLine().AppendLine("--").AppendLine(Footer).ToString();
    }

    private static string Html(NotificationFacts facts, List<(string Label, string Value)> lines)
    {
        static string E(string value) => WebUtility.HtmlEncode(value);
        var colour = facts.Success ? "#1a7f37" : "#cf222e";
        var html = new StringBuilder();
        // Long values (paths, pg_dump's messages, log lines) wrap, even inside a word, so that a phone shows them whole.
        const string Wrap = "white-space:pre-wrap;overflow-wrap:anywhere";
        html.Append("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"></head>")
            .Append("<body style=\"font-family:Segoe UI,Arial,sans-serif;font-size:14px\">")
            .Append(CultureInfo.InvariantCulture, $"<h2 style=\"color:{colour}\">{E(facts.Headline ?? (facts.Success ? "Database backup successful" : facts.StaleSinceUtc is null ? "Database backup failed" : "No recent successful backup"))}</h2>")
            .Append("<table cellpadding=\"4\" style=\"border-collapse:collapse;max-width:100%\">");
        foreach (var (label, value) in lines)
        {
            html.Append("<tr><th align=\"left\" valign=\"top\">").Append(E(label)).Append("</th><td style=\"" + Wrap + "\">")
                .Append(E(value)).Append("</td></tr>");
        }

        html.Append("</table>");
        if (facts.Tables.Count > 0)
        {
            TrendRendering.AppendTablesHtml(html, facts);
        }

        if (facts.Trend.Count > 1)
        {
            TrendRendering.AppendTrendHtml(html, facts, CultureInfo.InvariantCulture);
        }

        if (facts.LogTail.Count > 0)
        {
            html.Append("<h3>Last lines of backup.log</h3><pre style=\"" + Wrap + ";font-size:12px;background:#f6f8fa;padding:8px\">")
                .Append(E(string.Join("\n", facts.LogTail))).Append("</pre>");
        }

        return html.Append("<hr><p style=\"color:#57606a\">").Append(E(Footer)).Append("</p></body></html>").ToString();
    }
}
