namespace SalesScorecard.Tests;

/// <summary>Assertions on the ScorecardException a call raises: its stable id, and that its message keeps a secret out.</summary>
internal static class Errors
{
    public static ScorecardException Raises(string errorId, Action action)
    {
        var error = Assert.Throws<ScorecardException>(action);
        Assert.Equal(errorId, error.ErrorId);
        return error;
    }

    public static ScorecardException Raises(string errorId, Action action, string secret)
    {
        var error = Raises(errorId, action);
        Assert.DoesNotContain(secret, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, error.Target?.ToString() ?? string.Empty, StringComparison.Ordinal);
        return error;
    }
}
