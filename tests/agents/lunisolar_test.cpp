// The computed Chinese calendar against the Hong Kong Observatory's Gregorian-lunar calendar
// conversion tables (hko.gov.hk/en/gts/time/conversion.htm) and Meeus's worked examples
// (agents/lunisolar.hpp).

#include "agents/lunisolar.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

using namespace airace;

namespace lunisolar_test {

TEST_CASE("the new moon of 1977 February is Meeus's example 49.a") {
  // Meeus, Astronomical Algorithms, example 49.a: k = -283, JDE 2443192.65118.
  CHECK(std::abs(new_moon_jde(-283) - 2443192.65118) < 1e-4);
}

TEST_CASE("the Sun's apparent longitude on 1992 October 13 is Meeus's example 25.a") {
  // Meeus example 25.a: JDE 2448908.5, apparent longitude 199.90895 degrees (low accuracy).
  CHECK(std::abs(sun_apparent_longitude_deg(2448908.5) - 199.90895) < 2e-4);
}

TEST_CASE("Lunar New Year 2020-2040 falls on the Hong Kong Observatory's dates") {
  const std::vector<std::string> expected = {
      "2020-01-25", "2021-02-12", "2022-02-01", "2023-01-22", "2024-02-10", "2025-01-29",
      "2026-02-17", "2027-02-06", "2028-01-26", "2029-02-13", "2030-02-03", "2031-01-23",
      "2032-02-11", "2033-01-31", "2034-02-19", "2035-02-08", "2036-01-28", "2037-02-15",
      "2038-02-04", "2039-01-24", "2040-02-12"};
  for (int y = 2020; y <= 2040; ++y) CHECK(lunar_new_year(y).iso() == expected[y - 2020]);
}

TEST_CASE("Mid-Autumn 2020-2040 falls on the Hong Kong Observatory's dates") {
  // The 15th day of the 8th month; 2033 has the leap 11th month of the "2033 problem", which
  // moves Lunar New Year 2034 to 19 February (above).
  const std::vector<std::string> expected = {
      "2020-10-01", "2021-09-21", "2022-09-10", "2023-09-29", "2024-09-17", "2025-10-06",
      "2026-09-25", "2027-09-15", "2028-10-03", "2029-09-22", "2030-09-12", "2031-10-01",
      "2032-09-19", "2033-09-08", "2034-09-27", "2035-09-16", "2036-10-04", "2037-09-24",
      "2038-09-13", "2039-10-02", "2040-09-20"};
  for (int y = 2020; y <= 2040; ++y) CHECK(lunar_date(y, 8, 15).iso() == expected[y - 2020]);
}

TEST_CASE(
    "Qingming and the festivals of 2022-2026 fall where the published holiday lists put them") {
  // Ching Ming (15 degrees of solar longitude), Buddha's Birthday (4/8), Tuen Ng (5/5) and Chung
  // Yeung (9/9) as in Hong Kong's gazetted general holidays 2022-2026 (before substitution).
  CHECK(solar_term_date(2022, 15.0).iso() == "2022-04-05");
  CHECK(solar_term_date(2024, 15.0).iso() == "2024-04-04");
  CHECK(solar_term_date(2026, 15.0).iso() == "2026-04-05");
  CHECK(lunar_date(2022, 4, 8).iso() == "2022-05-08");
  CHECK(lunar_date(2025, 4, 8).iso() == "2025-05-05");
  CHECK(lunar_date(2023, 5, 5).iso() == "2023-06-22");
  CHECK(lunar_date(2025, 5, 5).iso() == "2025-05-31");
  CHECK(lunar_date(2023, 9, 9).iso() == "2023-10-23");
  CHECK(lunar_date(2026, 9, 9).iso() == "2026-10-18");
  // The 2023 leap month follows the 2nd month (闰二月): the 3rd month begins on 2023-04-20.
  CHECK(lunar_date(2023, 3, 1).iso() == "2023-04-20");
  // Winter solstice 2021 came at 23:59 Beijing time on 21 December.
  CHECK(solar_term_date(2021, 270.0).iso() == "2021-12-21");
}

TEST_CASE("the Korean calendar is the same computation on the meridian of UTC+9") {
  // The fourth month of 2023 began with a new moon at 15:53 UT on 19 May: 23:53 in Beijing,
  // 00:53 on the 20th in Seoul. Buddha's Birthday (4/8) was 2023-05-26 in Hong Kong and
  // 2023-05-27 in Korea (a Saturday: the first substitute holiday for it, 2023-05-29).
  CHECK(lunar_date(2023, 4, 8).iso() == "2023-05-26");
  CHECK(lunar_date(2023, 4, 8, kKoreaUtcOffsetHours).iso() == "2023-05-27");
  // Seollal and Chuseok 2022-2026 as Korea's public holidays give them (the Regulations on
  // Holidays of Government Offices; the Korea Astronomy and Space Science Institute's calendar).
  const std::vector<std::string> seollal = {"2022-02-01", "2023-01-22", "2024-02-10",
                                            "2025-01-29", "2026-02-17"};
  const std::vector<std::string> chuseok = {"2022-09-10", "2023-09-29", "2024-09-17",
                                            "2025-10-06", "2026-09-25"};
  for (int y = 2022; y <= 2026; ++y) {
    CAPTURE(y);
    CHECK(lunar_new_year(y, kKoreaUtcOffsetHours).iso() == seollal[y - 2022]);
    CHECK(lunar_date(y, 8, 15, kKoreaUtcOffsetHours).iso() == chuseok[y - 2022]);
  }
  CHECK(lunar_date(2024, 4, 8, kKoreaUtcOffsetHours).iso() == "2024-05-15");
  CHECK(lunar_date(2026, 4, 8, kKoreaUtcOffsetHours).iso() == "2026-05-24");
}

TEST_CASE("lunar_date refuses days and months it cannot give") {
  CHECK_THROWS_AS(lunar_date(2025, 11, 1), std::invalid_argument);
  CHECK_THROWS_AS(lunar_date(2025, 1, 0), std::invalid_argument);
  // The 1st month of 2023 has 29 days (2023-01-22 to 2023-02-19; new moon 2023-02-20).
  CHECK(lunar_date(2023, 1, 29).iso() == "2023-02-19");
  CHECK_THROWS_AS(lunar_date(2023, 1, 30), std::invalid_argument);
  CHECK(lunar_date(2025, 1, 30).iso() == "2025-02-27");
}

}  // namespace lunisolar_test
