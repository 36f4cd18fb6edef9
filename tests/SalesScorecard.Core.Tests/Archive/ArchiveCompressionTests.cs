using SalesScorecard.Archive;

namespace SalesScorecard.Tests.Archive;

public sealed class ArchiveCompressionTests
{
    [Theory]
    [InlineData(null, "zstd:1")]
    [InlineData("", "zstd:1")]
    [InlineData("  ", "zstd:1")]
    [InlineData("ZSTD", "zstd:1")]
    [InlineData(" Zstd:19 ", "zstd:19")]
    [InlineData("pg_dump", "pg_dump")]
    public void ParseReadsWhatTheManifestRecords(string? value, string recorded)
    {
        var compression = ArchiveCompression.Parse(value);

        Assert.Equal(recorded, compression.ToString());
        Assert.Equal(compression, ArchiveCompression.Parse(recorded));
        Assert.Equal(recorded != "pg_dump", compression.IsZstd);
    }

    [Theory]
    [InlineData("zstd:0")]
    [InlineData("zstd:20")]
    [InlineData("zstd:+3")]
    [InlineData("zstd: 3")]
    [InlineData("zstd:1.5")]
    [InlineData("gzip")]
    public void AnythingElseIsInvalidCompression(string value)
    {
        var error = Errors.Raises("InvalidCompression", () => ArchiveCompression.Parse(value));

        Assert.Equal(ScorecardErrorCategory.InvalidArgument, error.Category);
    }
}
