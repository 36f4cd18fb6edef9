using SalesScorecard.Settings;

namespace SalesScorecard.Tests.Settings;

public sealed class DotEnvFileTests
{
    private const string File = "/srv/app/.env";

    private static DotEnvFile Parse(string text) => DotEnvFile.Parse(text, File);

    [Fact]
    public void PlainAssignmentsWithBlanksAroundTheValue()
    {
        var values = Parse("SMTP_HOST=smtp.gmail.com\nSMTP_PORT = 587 \n\tSMTP_USER=  apikey\t\n").Values;

        Assert.Equal("smtp.gmail.com", values["SMTP_HOST"]);
        Assert.Equal("587", values["SMTP_PORT"]);
        Assert.Equal("apikey", values["SMTP_USER"]);
    }

    [Fact]
    public void CommentsAndBlankLinesAreSkipped()
    {
        var env = Parse("# the mail settings\n\n   # indented comment\nA=1\n");

        Assert.Equal(["A"], env.Values.Keys);
        Assert.Empty(env.Warnings);
    }

    [Theory]
    [InlineData("A=value # trailing comment", "value")]
    [InlineData("A=val#ue", "val")]
    [InlineData("A=\"a # b\"", "a # b")]
    [InlineData("A='a # b' # comment", "a # b")]
    [InlineData("A=", "")]
    [InlineData("A: yaml style", "yaml style")]
    [InlineData("export A=exported", "exported")]
    [InlineData("export   A = \"exported\"", "exported")]
    [InlineData("A=Sales Scorecard <noreply@instorm.bg>", "Sales Scorecard <noreply@instorm.bg>")]
    public void ValuesAreReadAsDotenvReadsThem(string line, string value)
    {
        Assert.Equal(value, Parse(line).Values["A"]);
    }

    [Fact]
    public void OnlyDoubleQuotesExpandNewlineEscapes()
    {
        var values = Parse("D=\"one\\ntwo\\r\"\nS='one\\ntwo'\nB=`one\\ntwo`\nU=one\\ntwo").Values;

        Assert.Equal("one\ntwo\r", values["D"]);
        Assert.Equal("one\\ntwo", values["S"]);
        Assert.Equal("one\\ntwo", values["B"]);
        Assert.Equal("one\\ntwo", values["U"]);
    }

    [Fact]
    public void AnEscapedQuoteDoesNotCloseTheValue()
    {
        Assert.Equal("say \\\"hi\\\" now", Parse("A=\"say \\\"hi\\\" now\"").Values["A"]);
    }

    [Fact]
    public void AQuotedValueMaySpanLinesAndLaterLineNumbersStayRight()
    {
        var env = Parse("KEY=\"-----BEGIN-----\nline two\n-----END-----\"\nnot an assignment\nB=2");

        Assert.Equal("-----BEGIN-----\nline two\n-----END-----", env.Values["KEY"]);
        Assert.Equal("2", env.Values["B"]);
        Assert.Equal(4, Assert.Single(env.Warnings).Line);
    }

    [Fact]
    public void AQuoteNeverClosedIsAWarningForItsLineOnly()
    {
        var env = Parse("A=\"unclosed\nB=2\nC=\"closed\"\n");

        Assert.False(env.Values.ContainsKey("A"));
        Assert.Equal("2", env.Values["B"]);
        Assert.Equal("closed", env.Values["C"]);
        var warning = Assert.Single(env.Warnings);
        Assert.Equal((File, 1), (warning.File, warning.Line));
        Assert.Contains("never closed", warning.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void TextAfterTheClosingQuoteIsAWarning()
    {
        var env = Parse("OK=1\nA=\"quoted\" trailing");

        Assert.False(env.Values.ContainsKey("A"));
        Assert.Equal(2, Assert.Single(env.Warnings).Line);
    }

    [Theory]
    [InlineData("SMTP_PASS hunter2-secret")]
    [InlineData("=hunter2-secret")]
    [InlineData("SMTP PASS=hunter2-secret")]
    [InlineData("SMTP_PASS='hunter2-secret' x")]
    public void MalformedLinesWarnWithFileAndLineButNeverTheValue(string line)
    {
        var env = Parse("A=1\n" + line + "\nB=2");

        var warning = Assert.Single(env.Warnings);
        Assert.Equal(2, warning.Line);
        Assert.StartsWith($"{File}:2: ", warning.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", warning.ToString(), StringComparison.Ordinal);
        Assert.Equal(["A", "B"], env.Values.Keys.Order());
    }

    [Theory]
    [InlineData("A=1\r\nB=two words\r\n")]
    [InlineData("A=1\rB=two words\r")]
    [InlineData("\uFEFFA=1\nB=two words")]
    public void WindowsAndOldMacLineEndsAndAByteOrderMark(string text)
    {
        var env = Parse(text);

        Assert.Equal("1", env.Values["A"]);
        Assert.Equal("two words", env.Values["B"]);
        Assert.Empty(env.Warnings);
    }

    [Fact]
    public void AQuotedValueSpanningCrlfLinesHasPlainNewlines()
    {
        Assert.Equal("a\nb", Parse("A=\"a\r\nb\"\r\n").Values["A"]);
    }

    [Fact]
    public void TheLastDuplicateWins()
    {
        Assert.Equal("second", Parse("A=first\nA=second").Values["A"]);
    }

    [Fact]
    public void KeysAreCaseSensitiveAndMayHoldDotsAndDashes()
    {
        var values = Parse("db.url-1=x\nsmtp_host=lower\nSMTP_HOST=upper").Values;

        Assert.Equal("x", values["db.url-1"]);
        Assert.Equal("lower", values["smtp_host"]);
        Assert.Equal("upper", values["SMTP_HOST"]);
    }

    [Fact]
    public void LoadReadsAFileWithItsPath()
    {
        using var folder = new TempFolder();
        var path = folder.Write(".env", "A=1\nbroken\n");

        var env = DotEnvFile.Load(path);

        Assert.Equal(path, env.Path);
        Assert.Equal("1", env.Values["A"]);
        Assert.Equal(path, Assert.Single(env.Warnings).File);
    }

    [Fact]
    public void AFileThatCannotBeReadIsEnvFileUnreadable()
    {
        using var folder = new TempFolder();
        var missing = Path.Combine(folder.Path, "missing.env");

        var error = Errors.Raises("EnvFileUnreadable", () => DotEnvFile.Load(missing));

        Assert.Equal(ScorecardErrorCategory.ReadError, error.Category);
        Assert.Equal(missing, error.Target);
    }
}
