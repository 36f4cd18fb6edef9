using SalesScorecard.Users;

namespace SalesScorecard.Tests.Users;

public sealed class UserRulesTests
{
    private const string Password = "Sc0recard! Пароль";

    [Fact]
    public void AgreesWithAKnownHashMadeByNodesBcryptjs()
    {
        Assert.True(UserRules.VerifyPassword(Password, "$2b$10$4ivPfjYIzdn8qrY2jvn2vOmOUW73SFsjPh8n91dZl9yAnQiyF/1Vy"));
    }

    [Fact]
    public void HashesAsTheAppDoesAndVerifiesOnlyTheSamePassword()
    {
        var hash = UserRules.HashPassword(Password);

        Assert.Matches(@"^\$2b\$10\$.{53}$", hash);
        Assert.True(UserRules.VerifyPassword(Password, hash));
        Assert.False(UserRules.VerifyPassword("wrong", hash));
    }
}
