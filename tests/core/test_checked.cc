// Checked sizes (checked.h): exact results below the limits, errors naming the operands and what
// they size above them, and the allocation limit.
#include <gtest/gtest.h>

#include <climits>
#include <string>
#include <vector>

#include "checked.h"
#include "error.h"

namespace seqfeat {
namespace {

template <class F>
void ExpectError(F&& f, Code code, const std::vector<std::string>& parts) {
  try {
    f();
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), code) << e.what();
    for (const std::string& p : parts)
      EXPECT_NE(std::string(e.what()).find(p), std::string::npos)
          << "\"" << e.what() << "\" lacks \"" << p << "\"";
  }
}

TEST(Checked, MulAddExact) {
  EXPECT_EQ(checked_mul(0, INT64_MAX, "x"), 0);
  EXPECT_EQ(checked_mul(int64_t{1} << 31, int64_t{1} << 31, "x"), int64_t{1} << 62);
  EXPECT_EQ(checked_mul(INT64_MAX, 1, "x"), INT64_MAX);
  EXPECT_EQ(checked_add(INT64_MAX - 1, 1, "x"), INT64_MAX);
}

TEST(Checked, MulOverflowNamesOperandsAndSubject) {
  ExpectError([] { checked_mul(int64_t{1} << 32, int64_t{1} << 31, "Column {}: B x T", "c"); },
              Code::kInvalidArgument,
              {"Column c: B x T", "4294967296 x 2147483648 does not fit in a 64-bit size"});
  ExpectError([] { checked_add(INT64_MAX, 1, "splits"); }, Code::kInvalidArgument,
              {"splits: 9223372036854775807 + 1 does not fit"});
  ExpectError([] { checked_mul(-2, 3, "rows"); }, Code::kInvalidArgument,
              {"rows: negative size in -2 x 3"});
}

TEST(Checked, Product) {
  const std::vector<int64_t> dims{2, 3, 0, INT64_MAX};
  EXPECT_EQ(checked_product(dims, 0, "x"), 0);  // a zero makes the product defined
  EXPECT_EQ(checked_product(dims, 4, "x"), 1);
  EXPECT_EQ(checked_product({5, 7}, 0, "x"), 35);
  ExpectError([] { checked_product({int64_t{1} << 40, int64_t{1} << 30}, 0, "shape of {}", "f"); },
              Code::kInvalidArgument,
              {"shape of f", "[1099511627776, 1073741824] does not fit in a 64-bit size"});
  ExpectError([] { checked_product({3, -1}, 0, "s"); }, Code::kInvalidArgument,
              {"negative dimension -1 in [3, -1]"});
}

TEST(Checked, BytesAndLimit) {
  EXPECT_EQ(checked_bytes(10, 4, "x"), 40u);
  ExpectError([] { checked_bytes(INT64_MAX, 4, "table"); }, Code::kInvalidArgument,
              {"table: 9223372036854775807 elements of 4 bytes do not fit"});
  const size_t saved = allocation_limit();
  EXPECT_EQ(saved, default_allocation_limit());
  EXPECT_GT(saved, size_t{1} << 20);
  set_allocation_limit(100);
  EXPECT_EQ(allocation_limit(), 100u);
  EXPECT_EQ(checked_bytes(25, 4, "x"), 100u);
  ExpectError([] { checked_bytes(26, 4, "scratch of {}", "col"); }, Code::kOutOfMemory,
              {"scratch of col", "104 bytes asked for (26 x 4 bytes)", "limit of 100 bytes"});
  std::vector<int64_t> v;
  ExpectError([&] { checked_resize(v, 13, "v"); }, Code::kOutOfMemory, {"104 bytes asked for"});
  EXPECT_TRUE(v.empty()) << "nothing is allocated when the check fails";
  set_allocation_limit(0);
  EXPECT_EQ(allocation_limit(), default_allocation_limit());
}

TEST(Checked, Printable) {
  EXPECT_EQ(printable(std::string("a\0b\n\x7f", 5)), "a\\x00b\\x0a\\x7f");
  EXPECT_EQ(printable("caf\xc3\xa9"), "caf\xc3\xa9");  // UTF-8 kept
  EXPECT_EQ(printable(std::string(300, 'x'), 4), "xxxx...");
}

}  // namespace
}  // namespace seqfeat
