using Npgsql;
using SalesScorecard.Settings;

namespace SalesScorecard.Tests.Settings;

public sealed class DatabaseUrlTests
{
    [Fact]
    public void UriGivesEveryPartDecoded()
    {
        var url = DatabaseUrl.Parse("postgresql://sales%20admin:p%40ss%3Aw0rd@db.example.org:6543/score%20card");

        Assert.Equal("sales admin", url.Username);
        Assert.Equal("p@ss:w0rd", url.Builder.Password);
        Assert.Equal("db.example.org", url.Host);
        Assert.Equal(6543, url.Port);
        Assert.Equal("score card", url.Database);
    }

    [Theory]
    [InlineData("postgres://u:p@localhost/db")]
    [InlineData("POSTGRESQL://u:p@localhost/db")]
    [InlineData("  postgresql://u:p@localhost/db \n")]
    public void BothSchemesInAnyCaseAndSurroundingBlanks(string value)
    {
        var url = DatabaseUrl.Parse(value);

        Assert.Equal(("localhost", 5432, "db", "u"), (url.Host, url.Port, url.Database, url.Username));
    }

    [Theory]
    [InlineData("postgresql://u:ab://cd@db.example.org/sales", "ab://cd")]
    [InlineData("postgresql://u:p@ss@db.example.org/sales", "p@ss")]
    [InlineData("postgresql://u:a/b?c@db.example.org/sales", "a/b?c")]
    [InlineData("postgresql://u:a:b:c@db.example.org/sales", "a:b:c")]
    public void UnencodedSpecialCharactersInThePasswordStillWork(string value, string password)
    {
        var url = DatabaseUrl.Parse(value);

        Assert.Equal(password, url.Builder.Password);
        Assert.Equal("db.example.org", url.Host);
        Assert.Equal("sales", url.Database);
    }

    [Fact]
    public void PercentEncodedSlashInTheDatabaseNameIsPartOfTheName()
    {
        Assert.Equal("team/sales", DatabaseUrl.Parse("postgresql://u@localhost/team%2Fsales").Database);
    }

    [Theory]
    [InlineData("db.example.org", true)]
    [InlineData("localhost", false)]
    [InlineData("127.0.0.2", false)]
    [InlineData("[::1]", false)]
    public void RemoteHostsGetTlsUnlessTheUrlSaysOtherwise(string host, bool requireTls)
    {
        var url = DatabaseUrl.Parse($"postgresql://u:p@{host}:5432/db");

        Assert.Equal(requireTls, url.Builder.SslMode == SslMode.Require);
    }

    [Fact]
    public void SslModeInTheQueryWinsForARemoteHost()
    {
        Assert.Equal(SslMode.Disable, DatabaseUrl.Parse("postgresql://u:p@db.example.org/db?sslmode=disable").Builder.SslMode);
        Assert.Equal(SslMode.VerifyFull, DatabaseUrl.Parse("postgresql://u:p@localhost/db?SSLMODE=Verify-Full").Builder.SslMode);
    }

    [Theory]
    [InlineData("disable", SslMode.Disable)]
    [InlineData("allow", SslMode.Allow)]
    [InlineData("prefer", SslMode.Prefer)]
    [InlineData("require", SslMode.Require)]
    [InlineData("verify-ca", SslMode.VerifyCA)]
    [InlineData("verify-full", SslMode.VerifyFull)]
    public void EverySslModeOfLibpqMapsToNpgsqls(string mode, SslMode expected)
    {
        Assert.Equal(expected, DatabaseUrl.Parse($"postgresql://u:p@db.example.org/db?sslmode={mode}").Builder.SslMode);
    }

    [Fact]
    public void SupportedQueryKeysAreApplied()
    {
        var builder = DatabaseUrl.Parse("postgresql://u@localhost/db?connect_timeout=7&application_name=night%20job&schema=public&options=-c%20search_path%3Dx").Builder;

        Assert.Equal(7, builder.Timeout);
        Assert.Equal("night job", builder.ApplicationName);
        Assert.Equal("-c search_path=x", builder.Options);
    }

    [Fact]
    public void DefaultsArePort5432OurApplicationNameAndNoPooling()
    {
        var url = DatabaseUrl.Parse("postgresql://u@localhost/db");

        Assert.Equal(5432, url.Port);
        Assert.Equal("SalesScorecard", url.Builder.ApplicationName);
        Assert.False(url.Builder.Pooling);
    }

    [Fact]
    public void IPv6HostWithPort()
    {
        var url = DatabaseUrl.Parse("postgresql://u@[fe80::1]:5433/db");

        Assert.Equal(("fe80::1", 5433), (url.Host, url.Port));
    }

    [Fact]
    public void KeywordStringIsReadAsNpgsqlReadsIt()
    {
        var url = DatabaseUrl.Parse("Host=db.internal;Port=5433;Database=sales;Username=admin;Password=ab://cd;SSL Mode=Disable");

        Assert.Equal(("db.internal", 5433, "sales", "admin"), (url.Host, url.Port, url.Database, url.Username));
        Assert.Equal("ab://cd", url.Builder.Password);
        Assert.Equal(SslMode.Disable, url.Builder.SslMode);
        Assert.False(url.Builder.Pooling);
    }

    [Fact]
    public void KeywordStringKeepsAPoolingItAsksFor()
    {
        Assert.True(DatabaseUrl.Parse("Host=localhost;Database=d;Pooling=true").Builder.Pooling);
    }

    [Fact]
    public void DatabaseFallsBackToTheUserThenPostgres()
    {
        Assert.Equal("admin", DatabaseUrl.Parse("Host=localhost;Username=admin").Database);
        Assert.Equal("postgres", DatabaseUrl.Parse("Host=localhost").Database);
    }

    [Theory]
    [InlineData("mysql://root:Secr3tValue@db/sales", "Secr3tValue")]
    [InlineData("Secr3tValue", "Secr3tValue")]
    [InlineData("postgresql://u:Secr3tValue%zz@db/sales", "Secr3tValue")]
    [InlineData("postgresql://u:Secr3tValue@db.example.org/", "Secr3tValue")]
    [InlineData("postgresql://u:Secr3tValue@/sales", "Secr3tValue")]
    [InlineData("postgresql://u:Secr3tValue@db:70000/sales", "Secr3tValue")]
    [InlineData("postgresql://u:Secr3tValue@[::1/sales", "Secr3tValue")]
    [InlineData("postgresql://u:pw@db/sales/extra", "pw@db")]
    [InlineData("postgresql://u@db/sales?password=Secr3tValue", "Secr3tValue")]
    [InlineData("postgresql://u@db/sales?sslmode=Secr3tValue", "Secr3tValue")]
    [InlineData("postgresql://u@db/sales?connect_timeout=-1Secr3tValue", "Secr3tValue")]
    [InlineData("Host=db;Pasword=Secr3tValue", "Secr3tValue")]
    [InlineData("Host=db;Port=Secr3tValue", "Secr3tValue")]
    [InlineData("Host=db;Password=\"Secr3tValue", "Secr3tValue")]
    public void UnusableValuesAreRejectedWithoutQuotingThem(string value, string secret)
    {
        var error = Errors.Raises("InvalidDatabaseUrl", () => DatabaseUrl.Parse(value), secret);

        Assert.Equal(ScorecardErrorCategory.InvalidArgument, error.Category);
        Assert.StartsWith("DATABASE_URL is not usable: ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AnUnknownKeywordIsNamedByPositionOnly()
    {
        var error = Errors.Raises("InvalidDatabaseUrl", () => DatabaseUrl.Parse("Host=db;Database=d;Pasword=x"));

        Assert.Contains("keyword 3", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Pasword", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("postgresql://admin:S3cret%40pw@db.example.org:5432/sales?sslmode=require", "postgresql://admin:********@db.example.org:5432/sales?sslmode=require")]
    [InlineData("postgresql://admin:ab://c@d@db.example.org/sales", "postgresql://admin:********@db.example.org/sales")]
    [InlineData("postgresql://admin@db.example.org/sales", "postgresql://admin@db.example.org/sales")]
    [InlineData("mysql://admin:S3cret@db/sales", "********")]
    public void TryMaskHidesOnlyThePassword(string value, string masked)
    {
        Assert.Equal(masked, DatabaseUrl.TryMask(value));
    }

    [Fact]
    public void TryMaskOfAKeywordStringHidesPasswordAndSslPassword()
    {
        var masked = DatabaseUrl.TryMask("Host=db;Database=sales;Username=admin;Password=S3cretOne;SSL Password=S3cretTwo");

        Assert.DoesNotContain("S3cretOne", masked, StringComparison.Ordinal);
        Assert.DoesNotContain("S3cretTwo", masked, StringComparison.Ordinal);
        Assert.Contains("Host=db", masked, StringComparison.Ordinal);
        Assert.Contains("Password=********", masked, StringComparison.Ordinal);
    }

    [Fact]
    public void DescribeNamesServerDatabaseAndUserButNeverThePassword()
    {
        var described = DatabaseUrl.Parse("postgresql://admin:S3cretValue@db.example.org:6543/sales").Describe();

        Assert.Equal("db.example.org:6543, database 'sales', user 'admin'", described);
        Assert.Equal("localhost:5432, database 'd', user '(none)'", DatabaseUrl.Parse("Host=localhost;Database=d").Describe());
    }

    [Fact]
    public void WithCredentialReplacesUserAndPasswordAndKeepsTheRest()
    {
        var url = DatabaseUrl.Parse("postgresql://old:oldpw@db.example.org:6543/sales");

        var replaced = url.WithCredential("new", "newpw");
        var passwordOnly = url.WithCredential(null, "newpw");
        var noPassword = url.WithCredential("", "");

        Assert.Equal(("new", "newpw", "db.example.org", 6543, "sales"), (replaced.Username, replaced.Builder.Password, replaced.Host, replaced.Port, replaced.Database));
        Assert.Equal(("old", "newpw"), (passwordOnly.Username, passwordOnly.Builder.Password));
        Assert.Equal(("old", null), (noPassword.Username, noPassword.Builder.Password));
        Assert.Equal("oldpw", url.Builder.Password);
    }

    [Fact]
    public void WithDatabaseKeepsServerAndCredentials()
    {
        var other = DatabaseUrl.Parse("postgresql://u:pw@db.example.org/sales").WithDatabase("drill_1");

        Assert.Equal(("drill_1", "u", "pw", SslMode.Require), (other.Database, other.Username, other.Builder.Password, other.Builder.SslMode));
    }
}
