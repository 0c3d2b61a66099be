// A restricted reader of Python pickles: the opcodes a PyTorch state_dict is
// written with (protocols 2-4), building plain values. Nothing is executed:
// GLOBAL only names a callable, which must be on the caller's allow-list;
// REDUCE and BINPERSID are handed to the caller's hooks, which build what
// they recognise and refuse the rest. Work and memory are bounded by the
// input's length (every opcode consumes at least one byte, values live in
// one arena, so cycles and deep nesting cost nothing) and by kMaxValues.
#pragma once

#include "bertpp/error.hpp"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace bertpp {
namespace detail {
namespace pickle {

enum class Kind { None, Bool, Int, BigInt, String, Tuple, List, Dict, Global, Object };

inline const char* kind_name(Kind kind) {
  switch (kind) {
    case Kind::None: return "None";
    case Kind::Bool: return "bool";
    case Kind::Int: return "int";
    case Kind::BigInt: return "int";
    case Kind::String: return "str";
    case Kind::Tuple: return "tuple";
    case Kind::List: return "list";
    case Kind::Dict: return "dict";
    case Kind::Global: return "global";
    case Kind::Object: return "object";
  }
  return "value";
}

struct Value {
  Kind kind = Kind::None;
  std::int64_t integer = 0;    // Int, Bool (0/1); Object: the hooks' handle
  std::string text;            // String; Global "module.name"; BigInt: little-endian bytes
  std::vector<Value*> items;   // Tuple, List; Dict: key, value, key, value, ...
};

class Unpickler;

// The caller's side: which globals may be named, and what REDUCE and
// persistent ids build. Hooks throw LoadError (via Unpickler::fail) to refuse.
struct Hooks {
  std::set<std::string> allowed_globals;  // "module.name"
  std::function<Value*(Unpickler&, Value& callable, Value& args)> reduce;
  std::function<Value*(Unpickler&, Value& persistent_id)> persistent_load;
};

class Unpickler {
 public:
  static constexpr std::size_t kMaxValues = std::size_t{1} << 21;  // ~10 per tensor in a state_dict
  static constexpr std::size_t kMaxItems = std::size_t{1} << 23;  // references held by containers
  static constexpr std::size_t kMaxStack = std::size_t{1} << 16;  // pickle batches 1000 items
  static constexpr std::size_t kMaxMarkDepth = 1000;               // a state_dict nests about 4 deep

  // `where` prefixes every message (e.g. "model.bin: data.pkl").
  Unpickler(const std::uint8_t* data, std::size_t size, std::string where, Hooks hooks)
      : data_(data), size_(size), where_(std::move(where)), hooks_(std::move(hooks)) {}

  // Reads one pickle (up to and including STOP) from `offset`; returns its
  // value and sets `offset` past the STOP. Values live as long as this object.
  Value& load(std::size_t& offset) {
    pos_ = offset;
    stack_.clear();
    marks_.clear();
    memo_.clear();  // each pickle has its own memo
    for (;;) {
      op_pos_ = pos_;
      const std::uint8_t op = byte();
      if (op == '.') break;
      step(op);
    }
    if (stack_.size() != 1 || !marks_.empty())
      fail({"STOP with ", std::to_string(stack_.size()), " values on the stack (expected 1)"});
    offset = pos_;
    return *stack_.back();
  }

  // New values for the hooks.
  Value& make(Kind kind) {
    if (arena_.size() >= kMaxValues)
      fail({"more than ", std::to_string(kMaxValues), " values: not a state_dict"});
    arena_.push_back(std::make_unique<Value>());
    arena_.back()->kind = kind;
    return *arena_.back();
  }

  [[noreturn]] void fail(std::initializer_list<std::string_view> what) const {
    detail::throw_error<LoadError>(
        {where_, ": pickle opcode at byte ", std::to_string(op_pos_), ": "}, what);
  }
  [[noreturn]] void fail(std::string_view what) const { fail({what}); }

 private:
  std::uint8_t byte() {
    if (pos_ >= size_) fail("the pickle ends before its STOP opcode (truncated?)");
    return data_[pos_++];
  }
  const std::uint8_t* take(std::uint64_t count) {
    if (count > size_ - pos_)
      fail({"an argument of ", std::to_string(count), " bytes runs past the end of the pickle"});
    const std::uint8_t* at = data_ + pos_;
    pos_ += static_cast<std::size_t>(count);
    return at;
  }
  std::uint64_t unsigned_le(int bytes) {
    const std::uint8_t* at = take(static_cast<std::uint64_t>(bytes));
    std::uint64_t value = 0;
    for (int i = bytes - 1; i >= 0; --i) value = (value << 8) | at[i];
    return value;
  }
  std::string line() {  // GLOBAL's newline-terminated module / name
    const std::size_t start = pos_;
    while (pos_ < size_ && data_[pos_] != '\n') {
      if (pos_ - start > 256) fail("GLOBAL name longer than 256 bytes");
      ++pos_;
    }
    if (pos_ >= size_) fail("GLOBAL name without its newline (truncated?)");
    std::string text(reinterpret_cast<const char*>(data_ + start), pos_ - start);
    ++pos_;
    return text;
  }

  Value* pop() {
    if (stack_.empty() || (!marks_.empty() && stack_.size() == marks_.back()))
      fail("pops an empty stack");
    Value* top = stack_.back();
    stack_.pop_back();
    return top;
  }
  Value& top() {
    if (stack_.empty() || (!marks_.empty() && stack_.size() == marks_.back()))
      fail("needs a value on an empty stack");
    return *stack_.back();
  }
  void push(Value* value) {
    if (stack_.size() >= kMaxStack)
      fail({"more than ", std::to_string(kMaxStack), " values on the stack"});
    stack_.push_back(value);
  }
  void count_items(std::size_t count) {
    items_ += count;
    if (items_ > kMaxItems)
      fail({"more than ", std::to_string(kMaxItems), " container items: not a state_dict"});
  }
  // The values above the last MARK, removed from the stack.
  std::vector<Value*> pop_mark() {
    if (marks_.empty()) fail("needs a MARK and there is none");
    const std::size_t mark = marks_.back();
    marks_.pop_back();
    std::vector<Value*> items(stack_.begin() + static_cast<std::ptrdiff_t>(mark), stack_.end());
    stack_.resize(mark);
    return items;
  }

  Value* integer(std::int64_t value) {
    Value& v = make(Kind::Int);
    v.integer = value;
    return &v;
  }
  Value* string(const std::uint8_t* at, std::size_t count) {
    Value& v = make(Kind::String);
    v.text.assign(reinterpret_cast<const char*>(at), count);
    return &v;
  }
  Value* tuple(std::vector<Value*> items) {
    count_items(items.size());
    Value& v = make(Kind::Tuple);
    v.items = std::move(items);
    return &v;
  }

  void memo_put(std::uint64_t index) {
    if (index > kMaxValues) fail({"memo index ", std::to_string(index), " is implausibly large"});
    memo_[index] = &top();
  }
  void memo_get(std::uint64_t index) {
    auto it = memo_.find(index);
    if (it == memo_.end()) fail({"memo index ", std::to_string(index), " was never stored"});
    push(it->second);
  }

  Value& container(Kind kind, const char* op) {
    Value& target = top();
    if (target.kind != kind)
      fail({std::string(op), " on a ", kind_name(target.kind), ", expected a ", kind_name(kind)});
    return target;
  }
  void set_items(Value& dict, const std::vector<Value*>& pairs) {
    if (pairs.size() % 2) fail("SETITEMS with an odd number of values");
    count_items(pairs.size());
    for (Value* item : pairs) {
      if (&dict == item) fail("a dict may not contain itself");
      dict.items.push_back(item);
    }
  }

  void global(const std::string& module, const std::string& name) {
    const std::string full = module + "." + name;
    if (!hooks_.allowed_globals.count(full))
      fail({"global '", full, "' is not allowed (a state_dict of tensors needs only ",
            allowed_list(), "); nothing was executed"});
    Value& v = make(Kind::Global);
    v.text = full;
    push(&v);
  }
  std::string allowed_list() const {
    std::string list;
    for (const std::string& name : hooks_.allowed_globals) list += (list.empty() ? "" : ", ") + name;
    return list;
  }

  void step(std::uint8_t op) {
    switch (op) {
      case 0x80: {  // PROTO
        const std::uint8_t protocol = byte();
        if (protocol < 2 || protocol > 5)
          fail({"pickle protocol ", std::to_string(protocol), " is not supported"});
        return;
      }
      case 0x95: take(8); return;  // FRAME: a length hint only
      case '(':
        if (marks_.size() >= kMaxMarkDepth)
          fail({"nesting deeper than ", std::to_string(kMaxMarkDepth), " MARKs"});
        marks_.push_back(stack_.size());
        return;
      case ')': push(tuple({})); return;
      case ']': push(&make(Kind::List)); return;
      case '}': push(&make(Kind::Dict)); return;
      case 't': push(tuple(pop_mark())); return;
      case 0x85: case 0x86: case 0x87: {  // TUPLE1..3
        std::vector<Value*> items(static_cast<std::size_t>(op - 0x84));
        for (auto it = items.rbegin(); it != items.rend(); ++it) *it = pop();
        push(tuple(std::move(items)));
        return;
      }
      case 'l': {  // LIST
        Value& list = make(Kind::List);
        list.items = pop_mark();
        count_items(list.items.size());
        push(&list);
        return;
      }
      case 'd': {  // DICT
        Value& dict = make(Kind::Dict);
        set_items(dict, pop_mark());
        push(&dict);
        return;
      }
      case 'a': {  // APPEND
        Value* item = pop();
        Value& list = container(Kind::List, "APPEND");
        if (&list == item) fail("a list may not contain itself");
        count_items(1);
        list.items.push_back(item);
        return;
      }
      case 'e': {  // APPENDS
        std::vector<Value*> items = pop_mark();
        Value& list = container(Kind::List, "APPENDS");
        count_items(items.size());
        for (Value* item : items) {
          if (&list == item) fail("a list may not contain itself");
          list.items.push_back(item);
        }
        return;
      }
      case 's': {  // SETITEM
        Value* value = pop();
        Value* key = pop();
        set_items(container(Kind::Dict, "SETITEM"), {key, value});
        return;
      }
      case 'u': {  // SETITEMS
        std::vector<Value*> pairs = pop_mark();
        set_items(container(Kind::Dict, "SETITEMS"), pairs);
        return;
      }
      case 'q': memo_put(byte()); return;           // BINPUT
      case 'r': memo_put(unsigned_le(4)); return;   // LONG_BINPUT
      case 0x94: memo_put(memo_.size()); return;    // MEMOIZE
      case 'h': memo_get(byte()); return;           // BINGET
      case 'j': memo_get(unsigned_le(4)); return;   // LONG_BINGET
      case 'X': {  // BINUNICODE
        const std::uint64_t count = unsigned_le(4);
        push(string(take(count), static_cast<std::size_t>(count)));
        return;
      }
      case 0x8c: {  // SHORT_BINUNICODE
        const std::uint64_t count = byte();
        push(string(take(count), static_cast<std::size_t>(count)));
        return;
      }
      case 'K': push(integer(byte())); return;                                       // BININT1
      case 'M': push(integer(static_cast<std::int64_t>(unsigned_le(2)))); return;    // BININT2
      case 'J':                                                                      // BININT
        push(integer(static_cast<std::int32_t>(static_cast<std::uint32_t>(unsigned_le(4)))));
        return;
      case 0x8a: {  // LONG1: little-endian two's complement of n bytes
        const std::uint8_t count = byte();
        if (count > 16) fail({"LONG1 of ", std::to_string(count), " bytes"});
        const std::uint8_t* at = take(count);
        if (count > 8) {
          Value& big = make(Kind::BigInt);
          big.text.assign(reinterpret_cast<const char*>(at), count);
          push(&big);
          return;
        }
        std::uint64_t bits = 0;
        for (int i = count - 1; i >= 0; --i) bits = (bits << 8) | at[i];
        if (count > 0 && count < 8 && (at[count - 1] & 0x80)) bits |= ~std::uint64_t{0} << (8 * count);
        push(integer(static_cast<std::int64_t>(bits)));
        return;
      }
      case 0x88: case 0x89: {  // NEWTRUE, NEWFALSE
        Value& v = make(Kind::Bool);
        v.integer = op == 0x88;
        push(&v);
        return;
      }
      case 'N': push(&make(Kind::None)); return;
      case 'c': {  // GLOBAL
        const std::string module = line();
        const std::string name = line();
        global(module, name);
        return;
      }
      case 0x93: {  // STACK_GLOBAL
        Value* name = pop();
        Value* module = pop();
        if (module->kind != Kind::String || name->kind != Kind::String)
          fail("STACK_GLOBAL needs two strings");
        global(module->text, name->text);
        return;
      }
      case 'R': {  // REDUCE
        Value* args = pop();
        Value* callable = pop();
        if (callable->kind != Kind::Global)
          fail({std::string("REDUCE on a "), kind_name(callable->kind),
                " (only allowed globals may be called)"});
        if (args->kind != Kind::Tuple)
          fail({"REDUCE arguments are a ", std::string(kind_name(args->kind)), ", not a tuple"});
        if (!hooks_.reduce) fail("REDUCE is not allowed here");
        push(hooks_.reduce(*this, *callable, *args));
        return;
      }
      case 'Q': {  // BINPERSID
        Value* id = pop();
        if (!hooks_.persistent_load) fail("persistent ids are not allowed here");
        push(hooks_.persistent_load(*this, *id));
        return;
      }
      case 'b': {  // BUILD: only a dict's instance state (OrderedDict._metadata), ignored
        pop();
        Value& target = top();
        if (target.kind != Kind::Dict)
          fail({std::string("BUILD on a "), kind_name(target.kind),
                " (only a state_dict's metadata is accepted)"});
        return;
      }
      default: {
        static const char* hex = "0123456789abcdef";
        const char digits[2] = {hex[op >> 4], hex[op & 15]};
        fail({"opcode 0x", std::string_view(digits, 2),
              " is not one a state_dict needs (refused, not executed)"});
      }
    }
  }

  const std::uint8_t* data_;
  std::size_t size_;
  std::string where_;
  Hooks hooks_;
  std::size_t pos_ = 0, op_pos_ = 0, items_ = 0;
  std::vector<Value*> stack_;
  std::vector<std::size_t> marks_;
  std::unordered_map<std::uint64_t, Value*> memo_;
  std::vector<std::unique_ptr<Value>> arena_;
};

}  // namespace pickle
}  // namespace detail
}  // namespace bertpp
